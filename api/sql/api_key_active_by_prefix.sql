-- The live (unrevoked, unexpired) API keys with this display prefix, locked, with what a rotation copies.
SELECT id, center_id, role, label
FROM api_key
WHERE prefix = %(prefix)s AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
FOR UPDATE
