-- Refresh the continuous aggregate over the fleet days that [%(start)s, %(end)s) touches (TimescaleDB mode): days
-- from 05:00 to 05:00 China Standard Time, i.e. from 21:00 UTC, the days of the fixed zone 'Etc/GMT-3' (UTC+3), as
-- in the aggregate (core/migrations/0021_fleet_day_rollup.timescale.sql).
-- refresh_continuous_aggregate only rebuilds buckets lying wholly inside its window (and refuses a window shorter
-- than one bucket), so widen the window to whole fleet days: the same buckets refresh_daily.postgres.sql rebuilds,
-- including today's partial day. Must run outside a transaction (autocommit connection).
CALL refresh_continuous_aggregate('telemetry_daily',
    time_bucket(INTERVAL '1 day', %(start)s::timestamptz, 'Etc/GMT-3'),
    time_bucket(INTERVAL '1 day', %(end)s::timestamptz - INTERVAL '1 microsecond', 'Etc/GMT-3') + INTERVAL '1 day');
