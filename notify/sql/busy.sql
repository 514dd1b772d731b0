-- Slots the technicians are already booked or offered for: accepted bookings, and suggestions still on the table
-- (a suggestion for a risk that is no longer open no longer holds the slot).
SELECT s.technician_id, s.slot_start, s.slot_end
FROM booking_suggestion s
JOIN risk r ON r.id = s.risk_id
WHERE s.technician_id = ANY(%(technician_ids)s)
  AND s.slot_end > %(since)s
  AND (s.status = 'accepted' OR (s.status = 'suggested' AND r.status = 'open'))
ORDER BY s.technician_id, s.slot_start
