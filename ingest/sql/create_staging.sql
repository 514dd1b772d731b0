-- Per-connection staging table for the telemetry COPY; emptied by every commit (and by every rollback).
CREATE TEMP TABLE IF NOT EXISTS ingest_staging (LIKE telemetry INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
