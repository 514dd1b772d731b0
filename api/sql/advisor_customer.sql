-- One customer of the center (same scope as the search) with the advisor they are assigned to.
SELECT c.id, c.name, c.locale, c.segment, c.channels ->> 'phone' AS phone, c.channels ->> 'email' AS email,
       c.advisor_id, a.name AS advisor_name, sc.tz
FROM customer c
JOIN service_center sc ON sc.id = %(center_id)s
LEFT JOIN advisor a ON a.id = c.advisor_id
WHERE c.id = %(customer_id)s AND c.erased_at IS NULL
  AND (c.preferred_center_id = %(center_id)s
       OR EXISTS (SELECT 1 FROM advisor x WHERE x.id = c.advisor_id AND x.center_id = %(center_id)s)
       OR EXISTS (SELECT 1 FROM booking_suggestion b WHERE b.customer_id = c.id AND b.center_id = %(center_id)s))
