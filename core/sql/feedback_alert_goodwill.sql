-- Record the center's goodwill gesture on an alert (once).
UPDATE feedback_alert
SET goodwill_kind = %(kind)s, goodwill_amount = %(amount)s, goodwill_note = %(note)s,
    goodwill_at = %(now)s::timestamptz, goodwill_by = %(advisor_id)s
WHERE id = %(alert_id)s AND goodwill_at IS NULL
