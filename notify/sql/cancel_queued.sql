-- Queued conversation messages of a risk that no longer need sending (booked, muted, resolved); the after-visit
-- survey and the visit's progress messages are not part of that conversation and always go out.
UPDATE care_message SET status = 'cancelled'
WHERE risk_id = %(risk_id)s AND status = 'queued' AND purpose <> 'survey'
  AND left(purpose, 9) <> 'progress_'
