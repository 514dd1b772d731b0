INSERT INTO inbox_item (customer_id, dispatch_id, subject, body, created_at)
VALUES (%(customer_id)s, %(dispatch_id)s, %(subject)s, %(body)s, %(created_at)s)
ON CONFLICT (dispatch_id) DO NOTHING
