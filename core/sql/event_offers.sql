-- One event per booking option whose status just changed (accepted, declined, expired), at its center, stamped with
-- the caller's time.
INSERT INTO center_event (center_id, type, data, created_at)
SELECT b.center_id, %(type)s,
       jsonb_build_object(
           'booking_id', b.id, 'risk_id', b.risk_id, 'vin', v.vin, 'status', b.status,
           'slot_start', b.slot_start, 'slot_end', b.slot_end, 'technician_id', b.technician_id,
           'accepted_by', b.accepted_by
       ),
       %(now)s::timestamptz
FROM booking_suggestion b
JOIN vehicle v ON v.id = b.vehicle_id
WHERE b.id = ANY(%(booking_ids)s::bigint[])
ORDER BY b.id
