-- The visits of the customer's cars: Carecast cases that reached the workshop and the dealer system's visits,
-- newest first.
SELECT 'carecast' AS source, v.vin, k.checked_in_at AS at, r.kind, k.outcome, k.parts_used, NULL::text[] AS work,
       sc.name AS center_name
FROM care_case k
JOIN risk r ON r.id = k.risk_id
JOIN vehicle v ON v.id = k.vehicle_id
LEFT JOIN booking_suggestion b ON b.id = k.booking_id
LEFT JOIN service_center sc ON sc.id = b.center_id
WHERE v.customer_id = %(customer_id)s AND k.checked_in_at IS NOT NULL
UNION ALL
SELECT 'dms', v.vin, s.visited_at, NULL, NULL, to_jsonb(s.parts), s.work, sc.name
FROM service_visit s
JOIN vehicle v ON v.id = s.vehicle_id
LEFT JOIN service_center sc ON sc.id = s.center_id
WHERE v.customer_id = %(customer_id)s
ORDER BY at DESC
LIMIT 50
