-- The parts on the center's shelf (on hand, reserved), for the "complete with parts used" form; by name.
SELECT p.sku, p.name, ps.on_hand, ps.reserved
FROM part_stock ps
JOIN part p ON p.id = ps.part_id
WHERE ps.center_id = %(center_id)s
ORDER BY p.name, p.sku
LIMIT 500
