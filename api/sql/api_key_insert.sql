-- A new API key; expires_in is an interval (NULL: never expires), counted from the database clock.
INSERT INTO api_key (center_id, role, prefix, key_hash, label, expires_at)
VALUES (%(center_id)s, %(role)s, %(prefix)s, %(hash)s, %(label)s, now() + %(expires_in)s::interval)
RETURNING id, expires_at
