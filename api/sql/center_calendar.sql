-- A center's bookings as calendar events: accepted ones ending after `since` (all of them when booking_id is null),
-- or the one booking asked for (any status).
SELECT b.id, b.status, b.slot_start, b.slot_end, b.parts, coalesce(b.accepted_at, b.created_at) AS updated_at,
       r.kind, r.diagnosis, v.vin, v.model, c.name AS customer_name, t.name AS technician_name,
       sc.name AS center_name, sc.city
FROM booking_suggestion b
JOIN risk r ON r.id = b.risk_id
JOIN vehicle v ON v.id = b.vehicle_id
JOIN customer c ON c.id = v.customer_id
JOIN technician t ON t.id = b.technician_id
JOIN service_center sc ON sc.id = b.center_id
WHERE b.center_id = %(center_id)s
  AND (CASE WHEN %(booking_id)s::bigint IS NULL
            THEN b.status = 'accepted' AND b.slot_end >= %(since)s
            ELSE b.id = %(booking_id)s::bigint END)
ORDER BY b.slot_start, b.id
LIMIT 5000
