-- Customers of the center (preferred center or assigned advisor here, or a booking offered here) whose name,
-- phone, or a car's plate or VIN matches the query (plate and VIN ignoring case and spaces); best matches first.
-- `like` is the query with LIKE's wildcards escaped (a wildcard typed by the advisor matches only itself).
SELECT c.id, c.name, c.channels ->> 'phone' AS phone,
       jsonb_agg(jsonb_build_object('vin', v.vin, 'plate', v.plate, 'model', v.model) ORDER BY v.vin)
           FILTER (WHERE v.id IS NOT NULL) AS vehicles
FROM customer c
LEFT JOIN vehicle v ON v.customer_id = c.id
WHERE c.erased_at IS NULL
  AND (c.preferred_center_id = %(center_id)s
       OR EXISTS (SELECT 1 FROM advisor a WHERE a.id = c.advisor_id AND a.center_id = %(center_id)s)
       OR EXISTS (SELECT 1 FROM booking_suggestion b WHERE b.customer_id = c.id AND b.center_id = %(center_id)s))
  AND (c.name ILIKE '%%' || %(like)s || '%%'
       OR replace(c.channels ->> 'phone', ' ', '') LIKE '%%' || replace(%(like)s, ' ', '') || '%%'
       OR EXISTS (SELECT 1 FROM vehicle w WHERE w.customer_id = c.id
                  AND (upper(replace(w.plate, ' ', '')) = upper(replace(%(q)s, ' ', ''))
                       OR upper(w.vin) LIKE '%%' || upper(replace(%(like)s, ' ', '')) || '%%')))
GROUP BY c.id
ORDER BY c.name, c.id
LIMIT 20
