-- Telemetry received after %(since)s (late, store-and-forward data included): the newest receive time, and the
-- oldest event time among rows newer than %(floor)s (older rows lie outside every rollup window).
SELECT min(ts) FILTER (WHERE ts > %(floor)s) AS oldest_ts, max(received_at) AS newest_received
FROM telemetry
WHERE received_at > %(since)s;
