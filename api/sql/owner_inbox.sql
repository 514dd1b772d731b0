-- The customer's in-app inbox (delivered by notify's in-app channel), newest first.
SELECT id, subject, body, created_at, read_at
FROM inbox_item
WHERE customer_id = %(customer_id)s
ORDER BY id DESC
LIMIT %(limit)s
