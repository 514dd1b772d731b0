-- The risk's other options are released once one is accepted.
UPDATE booking_suggestion SET status = 'expired'
WHERE risk_id = %(risk_id)s AND status = 'suggested' AND id <> %(booking_id)s
RETURNING id
