-- Free stock per center and part: what is on the shelf and not yet promised to a job.
SELECT ps.center_id, p.sku, greatest(ps.on_hand - ps.reserved, 0) AS available, ps.restock_days
FROM part_stock ps
JOIN part p ON p.id = ps.part_id
