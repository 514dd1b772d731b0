-- Stock of one part at one center; `reserved` belongs to the workshop flow and is left alone.
INSERT INTO part_stock (center_id, part_id, on_hand, restock_days)
VALUES (%(center_id)s, %(part_id)s, %(on_hand)s, %(restock_days)s)
ON CONFLICT (center_id, part_id) DO UPDATE SET on_hand = EXCLUDED.on_hand, restock_days = EXCLUDED.restock_days;
