-- The person's owner tokens: metadata only, never the hash.
SELECT prefix, created_at, expires_at, revoked_at, last_used_at
FROM owner_token WHERE customer_id = %(customer_id)s
ORDER BY id
