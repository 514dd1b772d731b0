-- The daily rollup of every vehicle for (%(start)s, %(now)s], joined with the vehicle columns the rules read.
-- No ORDER BY: sorting a fleet's rollup spills to disk on the server; load_frame sorts in pandas instead.
SELECT d.vehicle_id, d.day, d.samples, d.lv_v_min, d.lv_v_rest_avg, d.lv_v_rest_n, d.hv_soh_avg, d.hv_soh_min,
       d.hv_soh_max, d.pad_wear_max, d.brake_fluid_min, d.odometer_min_m, d.odometer_max_m, d.air_temp_avg,
       d.air_temp_min, d.lat_avg, d.lon_avg, d.air_temp_max, d.wiper_wear_max, d.tire_kpa_min, d.coolant_min,
       v.powertrain, v.region
FROM telemetry_daily d
JOIN vehicle v ON v.id = d.vehicle_id
WHERE d.day > %(start)s
  -- every vehicle, or only those given (an incremental pass: vehicles with new data)
  AND (%(vehicle_ids)s::bigint[] IS NULL OR d.vehicle_id = ANY(%(vehicle_ids)s::bigint[]))
  -- every shard, or only one of a sharded pass (detection/sharded.py): vehicle id modulo the shard count
  AND (%(shards)s::integer IS NULL OR mod(d.vehicle_id, %(shards)s::integer) = %(shard)s::integer)
  AND d.day <= %(now)s;
