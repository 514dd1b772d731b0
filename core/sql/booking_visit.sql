-- The visit a case's booking led to (its outcome recorded): the vehicle, the center and technician booked, what
-- the risk was about and the parts used.
SELECT k.vehicle_id, b.id AS booking_id, b.center_id, b.technician_id, r.kind, k.outcome, k.parts_used
FROM care_case k
JOIN booking_suggestion b ON b.id = k.booking_id
JOIN risk r ON r.id = k.risk_id
WHERE k.risk_id = %(risk_id)s::bigint AND k.outcome IS NOT NULL
