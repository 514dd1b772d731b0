-- Revoke one link, or every live link of a customer (id NULL); returns how many were revoked.
UPDATE owner_link SET revoked_at = %(now)s
WHERE revoked_at IS NULL
  AND customer_id = %(customer_id)s
  AND (%(id)s::bigint IS NULL OR id = %(id)s::bigint)
RETURNING id
