-- A new notice carries fresh offers: the risk's current ones are released so their slots count as free again.
UPDATE booking_suggestion SET status = 'expired' WHERE risk_id = %(risk_id)s AND status = 'suggested'
RETURNING id
