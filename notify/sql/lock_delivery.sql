SELECT d.id, d.delivery_key::text AS delivery_key, d.dispatch_id, d.channel, d.target, d.attempts,
       x.customer_id, x.locale, x.subject, x.body, x.created_at
FROM care_delivery d
JOIN care_dispatch x ON x.id = d.dispatch_id
WHERE d.id = %(id)s AND d.status = 'pending'
FOR UPDATE OF d SKIP LOCKED
