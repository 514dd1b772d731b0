-- Ranks of the risk's offers still on the table: a re-plan fills only the others.
SELECT rank FROM booking_suggestion WHERE risk_id = %(risk_id)s AND status = 'suggested' ORDER BY rank
