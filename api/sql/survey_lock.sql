-- One survey of the owner's car, locked for answering, with the case it belongs to.
SELECT s.id, s.risk_id, s.center_id, s.questions, s.answers, s.answered_at, k.vehicle_id, k.booking_id,
       k.outcome, k.parts_used, r.kind, r.rule_id
FROM survey s
JOIN care_case k ON k.risk_id = s.risk_id
JOIN risk r ON r.id = s.risk_id
JOIN vehicle v ON v.id = k.vehicle_id
WHERE s.id = %(survey_id)s AND v.vin = %(vin)s AND v.customer_id = %(customer_id)s
FOR UPDATE OF s
