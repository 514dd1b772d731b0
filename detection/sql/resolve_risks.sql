-- Resolve the open risks of one kind for vehicles a rule judged healthy this pass.
UPDATE risk
SET status = 'resolved', resolved_at = %(now)s
WHERE status = 'open'
  AND kind = %(kind)s
  AND vehicle_id = ANY(%(vehicle_ids)s)
  -- evaluating at an earlier time (--now) never resolves a risk first seen after it
  AND first_seen_at <= %(now)s
RETURNING id, vehicle_id;
