-- A center's open feed items in id order: low feedback scores, outreach tasks and booking conflicts.
SELECT f.id, f.kind, f.reason, f.detail, f.status, f.created_at, f.risk_id, v.vin, v.model,
       c.name AS customer_name, c.channels ->> 'phone' AS phone
FROM center_feed_item f
JOIN vehicle v ON v.id = f.vehicle_id
JOIN customer c ON c.id = v.customer_id
WHERE f.center_id = %(center_id)s AND f.id > %(after_id)s AND f.status = 'open'
ORDER BY f.id
LIMIT %(limit)s
