-- Owners' open replies to care messages (e-mail, SMS) on the center's feed, newest first, with the center's zone.
SELECT f.id, f.reason, f.detail ->> 'text' AS text, f.detail ->> 'channel' AS channel, f.created_at,
       v.vin, v.model, c.name AS customer_name, sc.tz
FROM center_feed_item f
JOIN service_center sc ON sc.id = f.center_id
JOIN vehicle v ON v.id = f.vehicle_id
LEFT JOIN customer c ON c.id = v.customer_id
WHERE f.center_id = %(center_id)s AND f.kind = 'owner_reply' AND f.status = 'open'
ORDER BY f.created_at DESC, f.id DESC
LIMIT 100
