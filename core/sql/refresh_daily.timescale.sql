CALL refresh_continuous_aggregate('telemetry_daily', %(start)s::timestamptz, %(end)s::timestamptz);
