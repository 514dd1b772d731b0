SELECT id FROM api_key WHERE prefix = %(prefix)s AND revoked_at IS NULL FOR UPDATE
