INSERT INTO survey (risk_id, customer_id, center_id, questions, sent_at)
VALUES (%(risk_id)s, %(customer_id)s, %(center_id)s, %(questions)s, %(now)s)
ON CONFLICT (risk_id) DO NOTHING
RETURNING id
