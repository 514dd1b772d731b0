-- TimescaleDB: drop every telemetry chunk wholly older than the retention (rows of a chunk that straddles the
-- cutoff wait for the next run, as with the retention policy); returns how many chunks went.
SELECT count(*) FROM drop_chunks('telemetry', older_than => %(cutoff)s::timestamptz)
