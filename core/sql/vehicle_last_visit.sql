-- The car's last workshop visit (silent-customer outreach reads it); an older visit reported late never moves it
-- back.
UPDATE vehicle
SET last_visit_at = greatest(last_visit_at, %(visited_at)s::timestamptz)
WHERE id = %(vehicle_id)s::bigint
  AND last_visit_at IS DISTINCT FROM greatest(last_visit_at, %(visited_at)s::timestamptz)
