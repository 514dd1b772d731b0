-- The outcome of one alert e-mail: sent, retried at next_at, or given up (next_at null) with why.
UPDATE feedback_alert
SET mail_attempts = mail_attempts + 1,
    mail_sent_at = CASE WHEN %(ok)s THEN %(now)s::timestamptz END,
    mail_next_at = %(next_at)s,
    mail_detail = %(detail)s
WHERE id = %(id)s
