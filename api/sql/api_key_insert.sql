INSERT INTO api_key (center_id, role, prefix, key_hash, label)
VALUES (%(center_id)s, %(role)s, %(prefix)s, %(hash)s, %(label)s)
RETURNING id
