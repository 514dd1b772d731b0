INSERT INTO care_dispatch (customer_id, locale, subject, body, created_at)
VALUES (%(customer_id)s, %(locale)s, %(subject)s, %(body)s, %(now)s)
RETURNING id
