-- TimescaleDB: hypertable with 1-day chunks, compressed after 7 days (segment by vehicle), raw rows kept 400 days.
-- Why 1 day: 10k vehicles at one sample a minute is ~14M rows/day, about one chunk per day fits memory.
SELECT create_hypertable('telemetry', by_range('ts', INTERVAL '1 day'), migrate_data => true);
ALTER TABLE telemetry SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'vehicle_id',
    timescaledb.compress_orderby = 'ts DESC'
);
SELECT add_compression_policy('telemetry', INTERVAL '7 days');
SELECT add_retention_policy('telemetry', INTERVAL '400 days');
