-- What waits in each outbox at %(now)s (notify's metrics): how many items and the age in seconds of the oldest
-- (0 when none). messages: care messages due (send_after passed; quiet hours and the frequency cap move it on)
-- and not yet merged into a dispatch; deliveries: owner deliveries not yet delivered (retrying), aged from their
-- dispatch; pushes: center webhook pushes to live subscriptions (push_due.sql's filter) not yet delivered.
-- Each part reads only pending rows through its partial index.
SELECT 'messages' AS outbox, count(*) AS pending,
       coalesce(extract(epoch FROM %(now)s::timestamptz - min(m.send_after)), 0)::float8 AS oldest_s
FROM care_message m
WHERE m.status = 'queued' AND m.send_after <= %(now)s::timestamptz
UNION ALL
SELECT 'deliveries', count(*), coalesce(extract(epoch FROM %(now)s::timestamptz - min(s.created_at)), 0)::float8
FROM care_delivery c
JOIN care_dispatch s ON s.id = c.dispatch_id
WHERE c.status = 'pending'
UNION ALL
SELECT 'pushes', count(*), coalesce(extract(epoch FROM %(now)s::timestamptz - min(d.created_at)), 0)::float8
FROM webhook_delivery d
JOIN center_webhook w ON w.id = d.webhook_id
WHERE d.status = 'pending' AND w.revoked_at IS NULL
  AND center_webhook_key_live(w.created_by_key, %(now)s::timestamptz)
