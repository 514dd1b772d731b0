-- Fast path of a batch: straight into telemetry (fails on a (vehicle_id, ts) already stored; then the staging
-- path with ON CONFLICT runs instead). {columns}: core.signals.TELEMETRY_COLUMNS.
COPY telemetry ({columns}) FROM STDIN (FORMAT BINARY)
