-- A message the broker delivers again (the ingester died or lost its connection before the PUBACK) or that a
-- vehicle re-sends byte for byte must not record its rejects twice. Every reject now carries a key over what
-- identifies it (topic, reason, sample index, detail and the full offending bytes, hashed by the ingester) and a
-- repeat is dropped with ON CONFLICT DO NOTHING, like a repeated (vehicle_id, ts) in telemetry. Rows written before
-- this migration keep a NULL key (NULLs never conflict). A plain table on both storage modes: no variant files.
ALTER TABLE ingest_reject ADD COLUMN dedup_key bytea;
ALTER TABLE ingest_reject ADD CONSTRAINT ingest_reject_dedup_key UNIQUE (dedup_key);
