-- Queued conversation messages of a risk that no longer need sending (booked, muted, resolved); the after-visit
-- survey is not part of that conversation and always goes out.
UPDATE care_message SET status = 'cancelled'
WHERE risk_id = %(risk_id)s AND status = 'queued' AND purpose <> 'survey'
