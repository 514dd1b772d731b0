-- A vehicle whose service history the center may read: one it has served (a visit or a booking there) or whose
-- owner prefers it; any vehicle for an admin key (%(center_id)s NULL).
SELECT v.id, v.vin
FROM vehicle v
JOIN customer c ON c.id = v.customer_id
WHERE v.vin = %(vin)s::text
  AND (%(center_id)s::bigint IS NULL
       OR c.preferred_center_id = %(center_id)s::bigint
       OR EXISTS (SELECT 1 FROM service_visit s WHERE s.vehicle_id = v.id AND s.center_id = %(center_id)s::bigint)
       OR EXISTS (SELECT 1 FROM booking_suggestion b
                  WHERE b.vehicle_id = v.id AND b.center_id = %(center_id)s::bigint))
