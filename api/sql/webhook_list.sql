-- The center's live subscriptions with their delivery counts. A subscription whose creating API key is revoked or
-- expired is not live (it gets no pushes: migration 0023), so it is not listed.
SELECT w.id, w.url, w.label, w.secret, w.created_at,
       count(*) FILTER (WHERE d.status = 'pending') AS pending,
       count(*) FILTER (WHERE d.status = 'delivered') AS delivered,
       count(*) FILTER (WHERE d.status = 'dead') AS dead,
       max(d.delivered_at) AS last_delivered_at
FROM center_webhook w
LEFT JOIN webhook_delivery d ON d.webhook_id = w.id
WHERE w.center_id = %(center_id)s AND w.revoked_at IS NULL AND center_webhook_key_live(w.created_by_key, now())
GROUP BY w.id
ORDER BY w.id
