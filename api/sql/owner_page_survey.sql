-- The after-visit survey of the link's risk, if one was sent to this owner.
SELECT s.id, s.questions, s.answers, s.answered_at
FROM survey s
WHERE s.risk_id = %(risk_id)s AND s.customer_id = %(customer_id)s
