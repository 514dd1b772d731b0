-- After-visit surveys sent to the person, with their answers.
SELECT s.id, s.risk_id, sc.code AS center, s.questions, s.answers, s.sent_at, s.answered_at
FROM survey s
JOIN service_center sc ON sc.id = s.center_id
WHERE s.customer_id = %(customer_id)s
ORDER BY s.id
