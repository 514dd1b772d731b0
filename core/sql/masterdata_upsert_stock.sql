-- Stock of parts at centers, by (center, part), from a JSON array of rows; `reserved` belongs to the workshop
-- flow and is left alone. Returns (center_id, part_id, created) for each row inserted or changed.
INSERT INTO part_stock AS s (center_id, part_id, on_hand, restock_days, restock_date)
SELECT r.center_id, r.part_id, r.on_hand, r.restock_days, r.restock_date
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (
    center_id bigint, part_id bigint, on_hand integer, restock_days integer, restock_date date
)
ON CONFLICT (center_id, part_id) DO UPDATE SET
    on_hand = EXCLUDED.on_hand, restock_days = EXCLUDED.restock_days, restock_date = EXCLUDED.restock_date
WHERE (s.on_hand, s.restock_days, s.restock_date)
    IS DISTINCT FROM (EXCLUDED.on_hand, EXCLUDED.restock_days, EXCLUDED.restock_date)
RETURNING s.center_id, s.part_id, xmax = 0 AS created;
