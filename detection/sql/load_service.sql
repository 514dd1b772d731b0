-- The last reported service countdown (Vehicle.Service.*) of each vehicle and fleet day in (%(start)s, %(now)s]
-- (the rollup's days: 05:00 to 05:00 China Standard Time, labelled with their date; refresh_daily.postgres.sql).
-- Read from raw telemetry (the rollup has no service columns), for a short recent window only.
SELECT DISTINCT ON (vehicle_id, day)
       vehicle_id,
       date_bin(INTERVAL '1 day', ts, TIMESTAMPTZ '2000-01-01 05:00:00+08') + INTERVAL '3 hours' AS day,
       service_km,
       service_s
FROM telemetry
WHERE ts > %(start)s
  -- every vehicle, or only those given (an incremental pass: vehicles with new data)
  AND (%(vehicle_ids)s::bigint[] IS NULL OR vehicle_id = ANY(%(vehicle_ids)s::bigint[]))
  -- every shard, or only one of a sharded pass (detection/sharded.py): vehicle id modulo the shard count
  AND (%(shards)s::integer IS NULL OR mod(vehicle_id, %(shards)s::integer) = %(shard)s::integer)
  AND ts <= %(now)s
  AND (service_km IS NOT NULL OR service_s IS NOT NULL)
ORDER BY vehicle_id, day, ts DESC;
