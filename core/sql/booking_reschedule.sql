-- Move an accepted booking to another slot of the same technician (the center's advisor did); the exclusion
-- constraint refuses a slot that overlaps another accepted booking of the technician.
UPDATE booking_suggestion SET slot_start = %(slot_start)s, slot_end = %(slot_end)s
WHERE id = %(booking_id)s AND status = 'accepted'
