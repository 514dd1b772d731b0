-- A declined booking sends the case back to "notified" so the notifier offers new times (unless muted).
UPDATE care_case SET stage = 'notified', booking_id = NULL, updated_at = %(now)s::timestamptz, muted = muted OR %(mute)s
WHERE risk_id = %(risk_id)s
