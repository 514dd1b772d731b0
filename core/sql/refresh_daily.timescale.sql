-- Refresh the continuous aggregate over the UTC days that [%(start)s, %(end)s) touches (TimescaleDB mode).
-- refresh_continuous_aggregate only rebuilds buckets lying wholly inside its window (and refuses a window shorter
-- than one bucket), so widen the window to whole days: the same buckets refresh_daily.postgres.sql rebuilds,
-- including today's partial day. Must run outside a transaction (autocommit connection).
CALL refresh_continuous_aggregate('telemetry_daily',
    time_bucket(INTERVAL '1 day', %(start)s::timestamptz),
    time_bucket(INTERVAL '1 day', %(end)s::timestamptz - INTERVAL '1 microsecond') + INTERVAL '1 day');
