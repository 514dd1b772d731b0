-- The messages the owner was sent about the link's risk (the care message, reminders, progress at check-in, ready
-- and done), as dispatched: one row per dispatch (a digest carries several messages), newest first.
SELECT DISTINCT ON (d.created_at, d.id) d.subject, d.body, d.created_at
FROM care_message m
JOIN care_dispatch d ON d.id = m.dispatch_id
WHERE m.risk_id = %(risk_id)s AND m.customer_id = %(customer_id)s AND m.status <> 'cancelled'
ORDER BY d.created_at DESC, d.id DESC
LIMIT 20
