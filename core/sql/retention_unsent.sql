-- One slice of messages older than the retention that were never dispatched (cancelled, withheld for lack of
-- consent, failed) and whose risk is no longer open; returns how many went.
DELETE FROM care_message
WHERE id IN (
    SELECT m.id FROM care_message m
    JOIN risk r ON r.id = m.risk_id
    WHERE m.created_at < %(cutoff)s AND m.dispatch_id IS NULL AND m.status <> 'queued' AND r.status <> 'open'
    ORDER BY m.created_at
    LIMIT %(limit)s
    FOR UPDATE OF m SKIP LOCKED
)
