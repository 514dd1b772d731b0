-- Queued messages of an owner who consents to no channel: cancelled at their dispatch instead of merged (the
-- conversation still records them, so reminders keep their rhythm and the center still sees the case).
UPDATE care_message SET status = 'cancelled' WHERE id = ANY(%(ids)s) AND status = 'queued'
