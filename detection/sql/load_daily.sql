-- The daily rollup of every vehicle for (%(start)s, %(now)s], joined with the vehicle columns the rules read.
SELECT d.vehicle_id, d.day, d.samples, d.lv_v_min, d.lv_v_rest_avg, d.lv_v_rest_n, d.hv_soh_avg, d.hv_soh_min,
       d.hv_soh_max, d.pad_wear_max, d.brake_fluid_min, d.odometer_min_m, d.odometer_max_m, d.air_temp_avg,
       d.air_temp_min, d.lat_avg, d.lon_avg, v.powertrain, v.region
FROM telemetry_daily d
JOIN vehicle v ON v.id = d.vehicle_id
WHERE d.day > %(start)s
  AND d.day <= %(now)s
ORDER BY d.vehicle_id, d.day;
