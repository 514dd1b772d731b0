-- Idempotent on redelivery: a (vehicle_id, ts) already stored is kept as it is (first write wins).
INSERT INTO telemetry ({columns})
SELECT {columns} FROM ingest_staging
ON CONFLICT (vehicle_id, ts) DO NOTHING
