-- A resolved alert also settles the case's low-feedback item on the center's feed.
UPDATE center_feed_item SET status = 'done'
WHERE kind = 'low_feedback' AND risk_id = %(risk_id)s AND status = 'open'
