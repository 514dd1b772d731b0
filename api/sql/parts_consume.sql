-- A part used at the service leaves the shelf.
UPDATE part_stock ps SET on_hand = greatest(ps.on_hand - %(qty)s, 0)
FROM part p
WHERE p.id = ps.part_id AND p.sku = %(sku)s AND ps.center_id = %(center_id)s
