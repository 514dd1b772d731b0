-- What the owner page shows for one link: the car and its owner (only while the car is still theirs), the link's
-- risk with its case and the owner's "another time" request (owner_replan).
SELECT v.vin, v.model, v.powertrain, c.name AS customer_name, c.locale, c.tz,
       r.id AS risk_id, r.kind, r.severity, r.status AS risk_status, r.diagnosis, r.evidence, r.predicted_date,
       coalesce(k.stage, 'detected') AS stage, k.booking_id, k.booked_at, k.checked_in_at, k.work_started_at, k.serviced_at,
       k.verified_at, k.closed_at, k.close_reason,
       o.requested_at AS replan_requested_at, o.planned_at AS replan_planned_at
FROM vehicle v
JOIN customer c ON c.id = v.customer_id
LEFT JOIN risk r ON r.id = %(risk_id)s::bigint AND r.vehicle_id = v.id
LEFT JOIN care_case k ON k.risk_id = r.id
LEFT JOIN owner_replan o ON o.risk_id = r.id
WHERE v.id = %(vehicle_id)s AND v.customer_id = %(customer_id)s
