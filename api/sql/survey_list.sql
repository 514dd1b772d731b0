-- The owner's surveys for one car, newest first.
SELECT s.id, s.risk_id, s.questions, s.answers, s.sent_at, s.answered_at, sc.name AS center_name
FROM survey s
JOIN care_case k ON k.risk_id = s.risk_id
JOIN vehicle v ON v.id = k.vehicle_id
JOIN service_center sc ON sc.id = s.center_id
WHERE v.vin = %(vin)s AND v.customer_id = %(customer_id)s AND s.customer_id = %(customer_id)s
ORDER BY s.id DESC
