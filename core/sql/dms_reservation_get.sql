SELECT p.sku, r.quantity, r.released, r.updated_at
FROM dms_part_reservation r
JOIN part p ON p.id = r.part_id
WHERE r.center_id = %(center_id)s AND r.external_ref = %(external_ref)s
ORDER BY p.sku
