INSERT INTO care_message (risk_id, vehicle_id, customer_id, purpose, locale, channel, subject, body, send_after,
                          severity, created_at)
VALUES (%(risk_id)s, %(vehicle_id)s, %(customer_id)s, %(purpose)s, %(locale)s, %(channel)s, %(subject)s, %(body)s,
        %(send_after)s, %(severity)s, %(now)s)
ON CONFLICT (risk_id, purpose) DO NOTHING
RETURNING id
