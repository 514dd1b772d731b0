-- One slice of the outbox older than the retention, oldest first: each dispatch with its deliveries, their
-- attempts, its in-app item and the messages merged into it. Kept: a dispatch with a delivery still pending, and
-- one that carries a message of a still-open risk (the conversation's history decides the next reminder).
-- Returns the rows deleted per table; called until fewer than %(limit)s dispatches go.
WITH old AS (
    SELECT x.id FROM care_dispatch x
    WHERE x.created_at < %(cutoff)s
      AND NOT EXISTS (SELECT 1 FROM care_delivery d WHERE d.dispatch_id = x.id AND d.status = 'pending')
      AND NOT EXISTS (SELECT 1 FROM care_message m JOIN risk r ON r.id = m.risk_id
                      WHERE m.dispatch_id = x.id AND r.status = 'open')
    ORDER BY x.created_at
    LIMIT %(limit)s
    FOR UPDATE OF x SKIP LOCKED
), attempts AS (
    DELETE FROM delivery_attempt a USING care_delivery d, old
    WHERE d.dispatch_id = old.id AND a.delivery_id = d.id
    RETURNING a.id
), deliveries AS (
    DELETE FROM care_delivery d USING old WHERE d.dispatch_id = old.id RETURNING d.id
), inbox AS (
    DELETE FROM inbox_item i USING old WHERE i.dispatch_id = old.id RETURNING i.id
), messages AS (
    DELETE FROM care_message m USING old WHERE m.dispatch_id = old.id RETURNING m.id
), dispatches AS (
    DELETE FROM care_dispatch x USING old WHERE x.id = old.id RETURNING x.id
)
SELECT (SELECT count(*) FROM dispatches) AS dispatches, (SELECT count(*) FROM deliveries) AS deliveries,
       (SELECT count(*) FROM attempts) AS attempts, (SELECT count(*) FROM inbox) AS inbox,
       (SELECT count(*) FROM messages) AS messages
