-- The center's live subscriptions with their delivery counts.
SELECT w.id, w.url, w.label, w.secret, w.created_at,
       count(*) FILTER (WHERE d.status = 'pending') AS pending,
       count(*) FILTER (WHERE d.status = 'delivered') AS delivered,
       count(*) FILTER (WHERE d.status = 'dead') AS dead,
       max(d.delivered_at) AS last_delivered_at
FROM center_webhook w
LEFT JOIN webhook_delivery d ON d.webhook_id = w.id
WHERE w.center_id = %(center_id)s AND w.revoked_at IS NULL
GROUP BY w.id
ORDER BY w.id
