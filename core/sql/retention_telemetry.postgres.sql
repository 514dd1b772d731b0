-- Plain PostgreSQL: one slice of raw telemetry older than the retention (the BRIN index on ts finds the oldest
-- pages), deleted by its unique key. Called until a slice comes back short; each slice commits on its own.
DELETE FROM telemetry t
USING (SELECT vehicle_id, ts FROM telemetry WHERE ts < %(cutoff)s LIMIT %(limit)s) old
WHERE t.vehicle_id = old.vehicle_id AND t.ts = old.ts
