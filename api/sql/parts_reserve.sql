-- Reserve (delta > 0) or release (delta < 0) one part for a booking at its center.
UPDATE part_stock ps SET reserved = greatest(ps.reserved + %(delta)s, 0)
FROM part p
WHERE p.id = ps.part_id AND p.sku = %(sku)s AND ps.center_id = %(center_id)s
