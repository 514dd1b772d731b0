-- A new owner token; expires_in is an interval (NULL: never expires), counted from the database clock.
INSERT INTO owner_token (customer_id, prefix, token_hash, expires_at)
VALUES (%(customer_id)s, %(prefix)s, %(hash)s, now() + %(expires_in)s::interval)
RETURNING id, expires_at
