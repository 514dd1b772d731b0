-- Pushes due now to live subscriptions (not ended, creating API key neither revoked nor expired: migration 0023),
-- in the order their suggestions were created.
SELECT d.id, d.webhook_id
FROM webhook_delivery d
JOIN center_webhook w ON w.id = d.webhook_id
WHERE d.status = 'pending' AND d.next_attempt_at <= %(now)s AND w.revoked_at IS NULL
  AND center_webhook_key_live(w.created_by_key, %(now)s)
ORDER BY d.next_attempt_at, d.id
LIMIT %(limit)s
