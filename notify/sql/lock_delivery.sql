-- One pending delivery, locked for its attempt, with its dispatch and whether the owner still consents to its
-- channel (checked at send time: a consent withdrawn after the dispatch stops the delivery).
SELECT d.id, d.delivery_key::text AS delivery_key, d.dispatch_id, d.channel, d.target, d.attempts,
       x.customer_id, x.locale, x.subject, x.body, x.created_at,
       EXISTS (SELECT 1 FROM customer_consent k
               WHERE k.customer_id = x.customer_id AND k.channel = d.channel AND k.granted) AS consented
FROM care_delivery d
JOIN care_dispatch x ON x.id = d.dispatch_id
WHERE d.id = %(id)s AND d.status = 'pending'
FOR UPDATE OF d SKIP LOCKED
