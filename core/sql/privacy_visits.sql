-- Workshop visits (Carecast bookings and the dealer system) of the person's vehicles while they owned them (view
-- ownership_period).
SELECT s.id, v.vin, sc.code AS center, s.source, s.external_ref, s.visited_at, s.odometer_km, s.work, s.parts
FROM ownership_period o
JOIN vehicle v ON v.id = o.vehicle_id
JOIN service_visit s ON s.vehicle_id = o.vehicle_id AND s.visited_at >= o.starts AND s.visited_at < o.ends
LEFT JOIN service_center sc ON sc.id = s.center_id
WHERE o.customer_id = %(customer_id)s
ORDER BY s.visited_at, s.id
