-- {columns}: core.signals.TELEMETRY_COLUMNS, filled in with psycopg.sql identifiers.
COPY ingest_staging ({columns}) FROM STDIN (FORMAT BINARY)
