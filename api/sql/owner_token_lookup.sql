-- Find an owner token by its SHA-256 hash; stamp last_used_at at most once a minute.
WITH t AS (
    SELECT id, customer_id, token_hash, revoked_at, last_used_at
    FROM owner_token
    WHERE token_hash = %(hash)s
), touched AS (
    UPDATE owner_token o
    SET last_used_at = now()
    FROM t
    WHERE o.id = t.id
      AND t.revoked_at IS NULL
      AND (t.last_used_at IS NULL OR t.last_used_at < now() - INTERVAL '1 minute')
    RETURNING o.id
)
SELECT t.id, t.customer_id, t.token_hash AS hash, t.revoked_at IS NOT NULL AS revoked
FROM t
