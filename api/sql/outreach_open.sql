-- A center's open outreach tasks (silent customers to call), oldest first; only one advisor's customers when
-- `advisor_id` is given.
SELECT f.id, f.reason, f.detail, f.created_at, c.name AS customer_name, c.channels ->> 'phone' AS phone,
       c.advisor_id, ad.name AS advisor_name, v.vin, v.model, v.plate, sc.tz
FROM center_feed_item f
JOIN service_center sc ON sc.id = f.center_id
JOIN vehicle v ON v.id = f.vehicle_id
JOIN customer c ON c.id = v.customer_id
LEFT JOIN advisor ad ON ad.id = c.advisor_id
WHERE f.center_id = %(center_id)s AND f.kind = 'outreach' AND f.status = 'open'
  AND (%(advisor_id)s::bigint IS NULL OR c.advisor_id = %(advisor_id)s::bigint)
ORDER BY f.id
LIMIT %(limit)s
