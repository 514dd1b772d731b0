-- Pushes due now to live subscriptions, in the order their suggestions were created.
SELECT d.id, d.webhook_id
FROM webhook_delivery d
JOIN center_webhook w ON w.id = d.webhook_id
WHERE d.status = 'pending' AND d.next_attempt_at <= %(now)s AND w.revoked_at IS NULL
ORDER BY d.next_attempt_at, d.id
LIMIT %(limit)s
