-- Every queued message of owners who have at least one message due, with the owner's time zone, quiet hours and
-- when they last got a message (the frequency cap).
SELECT m.id, m.customer_id, m.purpose, m.send_after, c.tz, c.quiet_start, c.quiet_end,
       (SELECT max(d.created_at) FROM care_dispatch d WHERE d.customer_id = m.customer_id) AS last_sent_at
FROM care_message m
JOIN customer c ON c.id = m.customer_id
WHERE m.status = 'queued'
  AND m.customer_id IN (SELECT q.customer_id FROM care_message q WHERE q.status = 'queued' AND q.send_after <= %(now)s)
ORDER BY m.customer_id, m.id
LIMIT %(limit)s
