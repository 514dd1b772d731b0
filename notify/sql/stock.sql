-- Free stock per center and part: what is on the shelf and not yet promised to a job, in Carecast (reserved) or
-- in the dealer's DMS (part reservations not released); with the day the next delivery arrives, when known.
SELECT ps.center_id, p.sku,
       greatest(ps.on_hand - ps.reserved - coalesce(d.quantity, 0), 0) AS available,
       ps.restock_days, ps.restock_date
FROM part_stock ps
JOIN part p ON p.id = ps.part_id
LEFT JOIN (
    SELECT center_id, part_id, sum(quantity) AS quantity
    FROM dms_part_reservation
    WHERE NOT released
    GROUP BY center_id, part_id
) d ON d.center_id = ps.center_id AND d.part_id = ps.part_id
