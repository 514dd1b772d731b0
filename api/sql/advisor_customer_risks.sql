-- The open risks of the customer's cars with their case stage, most severe first.
SELECT r.id, v.vin, r.kind, r.severity, r.diagnosis, r.evidence, r.predicted_date, r.predicted_low, r.predicted_high,
       coalesce(k.stage, 'detected') AS stage, k.work_started_at
FROM risk r
JOIN vehicle v ON v.id = r.vehicle_id
LEFT JOIN care_case k ON k.risk_id = r.id
WHERE v.customer_id = %(customer_id)s AND r.status = 'open'
ORDER BY CASE r.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, r.id
