-- Recompute the daily rollup for the fleet days that [%(start)s, %(end)s) touches, from raw telemetry (plain
-- PostgreSQL mode). Same columns and buckets as the TimescaleDB continuous aggregate: fleet days from 05:00 to 05:00
-- China Standard Time (origin 2000-01-01 05:00+08, i.e. 21:00 UTC), each labelled with its date as midnight UTC
-- (bucket start + 3 hours). See core/migrations/0021_fleet_day_rollup.postgres.sql for why not UTC days.
WITH fresh AS (
    SELECT vehicle_id,
           date_bin(INTERVAL '1 day', ts, TIMESTAMPTZ '2000-01-01 05:00:00+08') + INTERVAL '3 hours' AS day,
           count(*) AS samples,
           min(lv_voltage_v) AS lv_v_min,
           avg(CASE WHEN abs(lv_current_a) < 2 AND coalesce(speed_kmh, 0) < 1 THEN lv_voltage_v END)::real AS lv_v_rest_avg,
           count(CASE WHEN abs(lv_current_a) < 2 AND coalesce(speed_kmh, 0) < 1 THEN lv_voltage_v END) AS lv_v_rest_n,
           avg(hv_soh_pct)::real AS hv_soh_avg,
           min(hv_soh_pct) AS hv_soh_min,
           max(hv_soh_pct) AS hv_soh_max,
           max(greatest(pad_wear_fl_pct, pad_wear_fr_pct, pad_wear_rl_pct, pad_wear_rr_pct))::real AS pad_wear_max,
           min(brake_fluid_pct)::real AS brake_fluid_min,
           min(odometer_m) AS odometer_min_m,
           max(odometer_m) AS odometer_max_m,
           avg(air_temp_c)::real AS air_temp_avg,
           min(air_temp_c) AS air_temp_min,
           avg(lat_deg) AS lat_avg,
           avg(lon_deg) AS lon_avg,
           max(air_temp_c) AS air_temp_max,
           max(wiper_wear_pct)::real AS wiper_wear_max,
           min(least(tire_fl_kpa, tire_fr_kpa, tire_rl_kpa, tire_rr_kpa))::real AS tire_kpa_min,
           min(CASE coolant_level WHEN 'CRITICALLY_LOW' THEN 0 WHEN 'LOW' THEN 1 WHEN 'NORMAL' THEN 2 END)::smallint
               AS coolant_min
    FROM telemetry
    WHERE ts >= date_bin(INTERVAL '1 day', %(start)s::timestamptz, TIMESTAMPTZ '2000-01-01 05:00:00+08')
      AND ts < %(end)s
    GROUP BY 1, 2
), gone AS (
    DELETE FROM telemetry_daily d
    WHERE d.day >= date_bin(INTERVAL '1 day', %(start)s::timestamptz, TIMESTAMPTZ '2000-01-01 05:00:00+08')
                   + INTERVAL '3 hours'
      AND d.day < %(end)s::timestamptz + INTERVAL '3 hours'
      AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.vehicle_id = d.vehicle_id AND f.day = d.day)
)
INSERT INTO telemetry_daily SELECT * FROM fresh
ON CONFLICT (vehicle_id, day) DO UPDATE SET
    samples = EXCLUDED.samples, lv_v_min = EXCLUDED.lv_v_min, lv_v_rest_avg = EXCLUDED.lv_v_rest_avg,
    lv_v_rest_n = EXCLUDED.lv_v_rest_n, hv_soh_avg = EXCLUDED.hv_soh_avg, hv_soh_min = EXCLUDED.hv_soh_min,
    hv_soh_max = EXCLUDED.hv_soh_max, pad_wear_max = EXCLUDED.pad_wear_max,
    brake_fluid_min = EXCLUDED.brake_fluid_min, odometer_min_m = EXCLUDED.odometer_min_m,
    odometer_max_m = EXCLUDED.odometer_max_m, air_temp_avg = EXCLUDED.air_temp_avg,
    air_temp_min = EXCLUDED.air_temp_min, lat_avg = EXCLUDED.lat_avg, lon_avg = EXCLUDED.lon_avg,
    air_temp_max = EXCLUDED.air_temp_max, wiper_wear_max = EXCLUDED.wiper_wear_max,
    tire_kpa_min = EXCLUDED.tire_kpa_min, coolant_min = EXCLUDED.coolant_min;
