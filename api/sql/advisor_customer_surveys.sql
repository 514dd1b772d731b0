-- The customer's survey answers, newest first, with the case they were about.
SELECT s.id, s.answered_at, s.answers, s.questions, r.kind, sc.name AS center_name
FROM survey s
JOIN risk r ON r.id = s.risk_id
JOIN service_center sc ON sc.id = s.center_id
WHERE s.customer_id = %(customer_id)s AND s.answered_at IS NOT NULL
ORDER BY s.answered_at DESC
LIMIT 20
