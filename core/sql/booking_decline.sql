UPDATE booking_suggestion SET status = 'declined' WHERE id = %(booking_id)s
