-- The center's open feed items but owners' replies (advisor_owner_replies.sql), oldest first.
SELECT f.id, f.kind, f.reason, f.detail, f.created_at, v.vin, v.model, c.name AS customer_name,
       c.channels ->> 'phone' AS phone
FROM center_feed_item f
JOIN vehicle v ON v.id = f.vehicle_id
JOIN customer c ON c.id = v.customer_id
WHERE f.center_id = %(center_id)s AND f.status = 'open' AND f.kind <> 'owner_reply'
ORDER BY f.id
LIMIT 200
