-- The person's in-app feed.
SELECT id, dispatch_id, subject, body, created_at, read_at
FROM inbox_item WHERE customer_id = %(customer_id)s
ORDER BY id
