-- The car's most urgent open risk (the one a support link should show), or none.
SELECT r.id
FROM risk r
WHERE r.vehicle_id = %(vehicle_id)s AND r.status = 'open'
ORDER BY array_position(ARRAY['critical', 'high', 'medium', 'low', 'info'], r.severity), r.id DESC
LIMIT 1
