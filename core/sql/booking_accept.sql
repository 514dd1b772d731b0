-- The exclusion constraint booking_suggestion_no_overlap refuses an overlap with another accepted booking of the
-- same technician, and booking_suggestion_one_accepted_uniq a second accepted option of the same risk.
UPDATE booking_suggestion SET status = 'accepted', accepted_at = %(now)s, accepted_by = %(by)s WHERE id = %(booking_id)s
