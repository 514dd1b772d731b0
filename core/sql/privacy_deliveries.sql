-- Every dispatch to the person with its delivery per channel (target, status, attempts).
SELECT x.id AS dispatch_id, x.created_at AS dispatched_at, d.channel, d.target, d.status, d.attempts,
       d.delivered_at, d.last_error
FROM care_dispatch x
JOIN care_delivery d ON d.dispatch_id = x.id
WHERE x.customer_id = %(customer_id)s
ORDER BY x.id, d.channel
