-- The advisor's board: the center's live suggestions and upcoming accepted bookings, soonest slot first, with the
-- total the owner was shown and the pickup, if any.
SELECT b.id, b.rank, b.status, b.slot_start, b.slot_end, b.parts, b.reason, b.deadline,
       r.kind, r.severity, r.diagnosis, r.evidence, r.predicted_date,
       v.vin, v.model, c.name AS customer_name, t.name AS technician_name, sc.tz,
       b.estimate #>> '{total,amount}' AS estimate_total, b.pickup_address, b.pickup_at
FROM booking_suggestion b
JOIN risk r ON r.id = b.risk_id
JOIN vehicle v ON v.id = b.vehicle_id
JOIN customer c ON c.id = v.customer_id
JOIN technician t ON t.id = b.technician_id
JOIN service_center sc ON sc.id = b.center_id
WHERE b.center_id = %(center_id)s
  AND b.status IN ('suggested', 'accepted')
  AND b.slot_end > %(now)s
ORDER BY b.status DESC, b.slot_start, b.id
LIMIT 200
