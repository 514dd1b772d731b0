-- The person's own words and photos in the requests they filed (risks of kind owner_request raised while they
-- owned the car: view ownership_period) go; the risk, its category and its case stay (anonymous statistics).
-- Returns the risks changed.
WITH mine AS (
    SELECT r.id
    FROM ownership_period o
    JOIN risk r ON r.vehicle_id = o.vehicle_id AND r.kind = 'owner_request'
               AND r.first_seen_at >= o.starts AND r.first_seen_at < o.ends
    WHERE o.customer_id = %(customer_id)s
), photos AS (
    DELETE FROM owner_request_photo p USING mine WHERE p.risk_id = mine.id RETURNING p.risk_id
)
UPDATE risk r
SET evidence = (r.evidence - 'text') || '{"photo": false}'::jsonb
FROM mine
WHERE r.id = mine.id AND (r.evidence ? 'text' OR EXISTS (SELECT 1 FROM photos WHERE photos.risk_id = r.id))
RETURNING r.id
