-- Open offers that can no longer be honoured as made: the dealer's data now rules out their slot
-- (booking_slot_conflict, migration 0027: center closed, closed day, technician gone, absent or booked in the DMS),
-- or the car changed hands since they were offered. Released; their risks are re-planned. Returns each risk once.
UPDATE booking_suggestion s SET status = 'expired'
FROM vehicle v
WHERE v.id = s.vehicle_id
  AND s.status = 'suggested'
  AND s.slot_end > %(now)s
  AND (s.customer_id IS DISTINCT FROM v.customer_id
       OR booking_slot_conflict(s.id, s.center_id, s.technician_id, s.slot_start, s.slot_end) IS NOT NULL)
RETURNING s.id, s.risk_id
