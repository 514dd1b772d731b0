-- The still-queued messages of one batch, locked for the dispatch, with the owner and the channels the owner
-- granted consent for (customer_consent; opt-in: no row means no consent).
SELECT m.id, m.risk_id, m.purpose, m.vehicle_id, m.locale, m.subject, m.body, c.name, c.locale AS customer_locale,
       c.channels,
       ARRAY(SELECT k.channel FROM customer_consent k WHERE k.customer_id = c.id AND k.granted) AS consented
FROM care_message m
JOIN customer c ON c.id = m.customer_id
WHERE m.id = ANY(%(ids)s) AND m.status = 'queued'
ORDER BY m.id
FOR UPDATE OF m SKIP LOCKED
