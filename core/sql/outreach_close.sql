-- Close an open outreach task of the center with its outcome; returns it (nothing when not open or not the center's).
UPDATE center_feed_item f
SET status = 'done', outcome = %(outcome)s, outcome_note = %(note)s, closed_at = %(now)s::timestamptz,
    closed_by = %(advisor_id)s
FROM vehicle v
WHERE f.id = %(item_id)s AND f.center_id = %(center_id)s AND f.kind = 'outreach' AND f.status = 'open'
  AND v.id = f.vehicle_id
RETURNING f.id, f.reason, f.outcome, f.outcome_note, f.closed_at, v.vin
