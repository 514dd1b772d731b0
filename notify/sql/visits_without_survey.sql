-- Visits with a recorded outcome that have no survey yet, with the owner and the center.
SELECT k.risk_id, k.vehicle_id, b.center_id, sc.name AS center_name, v.vin, v.model,
       c.id AS customer_id, c.name, c.locale, c.tz, c.segment, c.quiet_start, c.quiet_end,
       (SELECT max(d.created_at) FROM care_dispatch d WHERE d.customer_id = c.id) AS last_sent_at
FROM care_case k
JOIN booking_suggestion b ON b.id = k.booking_id
JOIN service_center sc ON sc.id = b.center_id
JOIN vehicle v ON v.id = k.vehicle_id
JOIN customer c ON c.id = v.customer_id
WHERE k.outcome IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM survey s WHERE s.risk_id = k.risk_id)
ORDER BY k.risk_id
LIMIT %(limit)s
