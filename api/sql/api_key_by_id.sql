-- A live (unrevoked, unexpired) API key by id (calendar feed links carry the key id, never the key).
SELECT id, center_id, role, expires_at
FROM api_key
WHERE id = %(id)s AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
