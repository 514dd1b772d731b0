-- The vehicle's open risks of the kinds a visit fixed, with their case's stage (NULL: no case yet): raised before
-- the visit, or up to %(echo)s after it (a pass reading the day's readings from before the visit), locked for
-- the move.
SELECT r.id AS risk_id, r.kind, k.stage
FROM risk r
LEFT JOIN care_case k ON k.risk_id = r.id
WHERE r.vehicle_id = %(vehicle_id)s::bigint
  AND r.status = 'open'
  AND r.kind = ANY(%(kinds)s::text[])
  AND r.first_seen_at <= %(visited_at)s::timestamptz + %(echo)s::interval
ORDER BY r.id
FOR UPDATE OF r
