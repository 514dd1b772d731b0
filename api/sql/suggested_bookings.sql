-- One page of a center's suggested bookings, in id order (served by booking_suggestion_center_idx).
SELECT b.id, b.rank, b.status, b.slot_start, b.slot_end, b.deadline, b.distance_km, b.parts, b.reason,
       b.created_at,
       r.id AS risk_id, r.kind, r.severity, r.confidence, r.diagnosis,
       r.predicted_date, r.predicted_low, r.predicted_high, r.evidence,
       v.vin, v.model, v.powertrain,
       c.name AS customer_name, c.segment, c.locale,
       t.id AS technician_id, t.name AS technician_name
FROM booking_suggestion b
JOIN risk r ON r.id = b.risk_id
JOIN vehicle v ON v.id = b.vehicle_id
JOIN customer c ON c.id = v.customer_id
JOIN technician t ON t.id = b.technician_id
WHERE b.center_id = %(center_id)s
  AND b.id > %(after_id)s
  AND (%(status)s::text IS NULL OR b.status = %(status)s::text)
  AND (%(since)s::timestamptz IS NULL OR b.created_at >= %(since)s::timestamptz)
ORDER BY b.id
LIMIT %(limit)s
