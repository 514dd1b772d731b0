-- Erasure revokes the person's owner tokens (the hashes stay: they identify no one and keep the token refused).
UPDATE owner_token SET revoked_at = %(now)s WHERE customer_id = %(customer_id)s AND revoked_at IS NULL
