-- The still-queued messages of one batch, locked for the dispatch, with the owner.
SELECT m.id, m.vehicle_id, m.locale, m.subject, m.body, c.name, c.locale AS customer_locale, c.channels
FROM care_message m
JOIN customer c ON c.id = m.customer_id
WHERE m.id = ANY(%(ids)s) AND m.status = 'queued'
ORDER BY m.id
FOR UPDATE OF m SKIP LOCKED
