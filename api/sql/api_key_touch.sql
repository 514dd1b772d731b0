-- Stamp last_used_at of keys served from the API's principal cache (batched: at most once a minute per key).
UPDATE api_key
SET last_used_at = now()
WHERE id = ANY(%(ids)s)
  AND revoked_at IS NULL
  AND (last_used_at IS NULL OR last_used_at < now() - INTERVAL '1 minute')
