-- An active API key by id (calendar feed links carry the key id, never the key).
SELECT id, center_id, role FROM api_key WHERE id = %(id)s AND revoked_at IS NULL
