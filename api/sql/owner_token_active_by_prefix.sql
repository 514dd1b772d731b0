-- The live (unrevoked, unexpired) owner tokens with this display prefix, locked, with what a rotation copies.
SELECT id, customer_id
FROM owner_token
WHERE prefix = %(prefix)s AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
FOR UPDATE
