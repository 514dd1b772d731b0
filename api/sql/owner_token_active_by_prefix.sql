SELECT id FROM owner_token WHERE prefix = %(prefix)s AND revoked_at IS NULL FOR UPDATE
