SELECT id FROM care_delivery WHERE status = 'pending' AND next_attempt_at <= %(now)s
ORDER BY next_attempt_at, id
LIMIT %(limit)s
