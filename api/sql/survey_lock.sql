-- One survey of the owner's car, locked for answering, with the case it belongs to. Both checks, as in survey_list:
-- the car is the caller's now (v.customer_id) AND the survey was sent to the caller (s.customer_id), so after a
-- resale neither the new owner nor the previous one can answer the previous owner's survey.
SELECT s.id, s.risk_id, s.center_id, s.questions, s.answers, s.answered_at, k.vehicle_id, k.booking_id,
       k.outcome, k.parts_used, r.kind, r.rule_id
FROM survey s
JOIN care_case k ON k.risk_id = s.risk_id
JOIN risk r ON r.id = s.risk_id
JOIN vehicle v ON v.id = k.vehicle_id
WHERE s.id = %(survey_id)s AND v.vin = %(vin)s
  AND v.customer_id = %(customer_id)s AND s.customer_id = %(customer_id)s
FOR UPDATE OF s
