-- Telemetry received after %(since)s (late, store-and-forward data included), per vehicle: the oldest event time
-- among rows newer than %(floor)s (older rows lie outside every rollup window) and the newest receive time.
SELECT vehicle_id, min(ts) FILTER (WHERE ts > %(floor)s) AS oldest_ts, max(received_at) AS newest_received
FROM telemetry
WHERE received_at > %(since)s
GROUP BY vehicle_id;
