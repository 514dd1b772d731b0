-- Find an API key by its SHA-256 hash; stamp last_used_at at most once a minute so busy keys do not write per request.
-- Only a live key is stamped: not revoked and not expired (expired is decided by the database clock).
WITH k AS (
    SELECT id, center_id, role, key_hash, revoked_at, last_used_at, expires_at,
           expires_at IS NOT NULL AND expires_at <= now() AS expired
    FROM api_key
    WHERE key_hash = %(hash)s
), touched AS (
    UPDATE api_key a
    SET last_used_at = now()
    FROM k
    WHERE a.id = k.id
      AND k.revoked_at IS NULL
      AND NOT k.expired
      AND (k.last_used_at IS NULL OR k.last_used_at < now() - INTERVAL '1 minute')
    RETURNING a.id
)
SELECT k.id, k.center_id, k.role, k.key_hash AS hash, k.revoked_at IS NOT NULL AS revoked, k.expired, k.expires_at
FROM k
