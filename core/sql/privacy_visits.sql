-- Workshop visits (Carecast bookings and the dealer system) of the person's vehicles while they owned them (the
-- first owner Carecast knows of owned it before Carecast did: their period has no start).
SELECT s.id, v.vin, sc.code AS center, s.source, s.external_ref, s.visited_at, s.odometer_km, s.work, s.parts
FROM vehicle_ownership o
JOIN vehicle v ON v.id = o.vehicle_id
JOIN service_visit s ON s.vehicle_id = o.vehicle_id
                     AND (o.until IS NULL OR s.visited_at < o.until)
                     AND (s.visited_at >= o.since
                          OR NOT EXISTS (SELECT 1 FROM vehicle_ownership p
                                         WHERE p.vehicle_id = o.vehicle_id AND p.since < o.since))
LEFT JOIN service_center sc ON sc.id = s.center_id
WHERE o.customer_id = %(customer_id)s
ORDER BY s.visited_at, s.id
