-- Plain PostgreSQL: BRIN on time keeps the index tiny for append-mostly data; the unique
-- (vehicle_id, ts) index serves per-vehicle range scans.
CREATE INDEX telemetry_ts_brin ON telemetry USING brin (ts) WITH (pages_per_range = 32);
