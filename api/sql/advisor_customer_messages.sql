-- The messages sent to the customer about their cars, newest first, each with how its deliveries went.
SELECT m.id, m.risk_id, r.kind, m.channel, m.subject, m.body, m.status, m.created_at, m.sent_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('channel', d.channel, 'status', d.status,
                                                     'receipt', d.receipt_status) ORDER BY d.id)
                 FROM care_delivery d WHERE m.dispatch_id IS NOT NULL AND d.dispatch_id = m.dispatch_id),
                '[]') AS deliveries
FROM care_message m
JOIN risk r ON r.id = m.risk_id
WHERE m.customer_id = %(customer_id)s
ORDER BY m.created_at DESC, m.id DESC
LIMIT 50
