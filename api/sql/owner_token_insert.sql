INSERT INTO owner_token (customer_id, prefix, token_hash)
VALUES (%(customer_id)s, %(prefix)s, %(hash)s)
RETURNING id
