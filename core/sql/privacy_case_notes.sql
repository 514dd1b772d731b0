-- Advisors' notes written on the cases of the person's cars while they owned them (view ownership_period): what
-- the center wrote about them. The advisor who wrote one is center staff and not named.
SELECT n.id, v.vin, n.risk_id, sc.code AS center, n.body, n.created_at
FROM ownership_period o
JOIN vehicle v ON v.id = o.vehicle_id
JOIN risk r ON r.vehicle_id = o.vehicle_id
JOIN case_note n ON n.risk_id = r.id AND n.created_at >= o.starts AND n.created_at < o.ends
JOIN service_center sc ON sc.id = n.center_id
WHERE o.customer_id = %(customer_id)s
ORDER BY n.created_at, n.id
