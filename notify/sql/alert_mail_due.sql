-- Negative-feedback alerts whose advisor has not been e-mailed yet and whose next try is due (oldest first).
SELECT a.id
FROM feedback_alert a
WHERE a.mail_sent_at IS NULL AND a.mail_next_at <= %(now)s
ORDER BY a.mail_next_at, a.id
LIMIT %(limit)s
