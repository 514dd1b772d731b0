-- Find an owner token by its SHA-256 hash; stamp last_used_at at most once a minute (live tokens only: not revoked,
-- not expired by the database clock).
WITH t AS (
    SELECT id, customer_id, token_hash, revoked_at, last_used_at, expires_at,
           expires_at IS NOT NULL AND expires_at <= now() AS expired
    FROM owner_token
    WHERE token_hash = %(hash)s
), touched AS (
    UPDATE owner_token o
    SET last_used_at = now()
    FROM t
    WHERE o.id = t.id
      AND t.revoked_at IS NULL
      AND NOT t.expired
      AND (t.last_used_at IS NULL OR t.last_used_at < now() - INTERVAL '1 minute')
    RETURNING o.id
)
SELECT t.id, t.customer_id, t.token_hash AS hash, t.revoked_at IS NOT NULL AS revoked, t.expired, t.expires_at
FROM t
