-- Accepted bookings ahead that can no longer be honoured as made are never moved: each becomes one open
-- 'booking_conflict' item in its center's feed with the reason (booking_slot_conflict's, or owner_changed when the
-- car changed hands since), for an advisor to rebook or confirm with the owner.
INSERT INTO center_feed_item (center_id, kind, vehicle_id, risk_id, booking_id, reason, detail, created_at)
SELECT s.center_id, 'booking_conflict', s.vehicle_id, s.risk_id, s.id, x.reason,
       jsonb_build_object('booking_id', s.id, 'technician_id', s.technician_id,
                          'slot_start', s.slot_start, 'slot_end', s.slot_end),
       %(now)s
FROM booking_suggestion s
JOIN vehicle v ON v.id = s.vehicle_id
CROSS JOIN LATERAL (
    SELECT coalesce(booking_slot_conflict(s.id, s.center_id, s.technician_id, s.slot_start, s.slot_end),
                    CASE WHEN s.customer_id IS DISTINCT FROM v.customer_id THEN 'owner_changed' END) AS reason
) x
WHERE s.status = 'accepted'
  AND s.slot_end > %(now)s
  AND x.reason IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM center_feed_item f WHERE f.booking_id = s.id AND f.kind = 'booking_conflict')
ON CONFLICT (booking_id) WHERE kind = 'booking_conflict' DO NOTHING
