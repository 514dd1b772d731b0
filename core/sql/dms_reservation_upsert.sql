-- One line of a DMS part reservation: created, or changed when its quantity or release differ.
INSERT INTO dms_part_reservation (center_id, external_ref, part_id, quantity, released, updated_at)
VALUES (%(center_id)s, %(external_ref)s, %(part_id)s, %(quantity)s, %(released)s, %(now)s)
ON CONFLICT (center_id, external_ref, part_id) DO UPDATE
SET quantity = EXCLUDED.quantity, released = EXCLUDED.released, updated_at = EXCLUDED.updated_at
WHERE (dms_part_reservation.quantity, dms_part_reservation.released)
      IS DISTINCT FROM (EXCLUDED.quantity, EXCLUDED.released)
