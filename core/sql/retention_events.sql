-- One slice of center events (webhook events) older than the retention, with their deliveries (ON DELETE CASCADE);
-- an event with a delivery still pending stays until it is delivered or given up.
DELETE FROM center_event
WHERE id IN (
    SELECT e.id FROM center_event e
    WHERE e.created_at < %(cutoff)s
      AND NOT EXISTS (
          SELECT 1 FROM webhook_delivery d WHERE d.center_event_id = e.id AND d.status = 'pending'
      )
    ORDER BY e.created_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
