-- The daily rollup by fleet day (TimescaleDB): a day runs from 05:00 to 05:00 China Standard Time (21:00 UTC),
-- labelled with its date (as midnight UTC of that date, the same type as before). UTC days put a car's evening and
-- its next morning in one row (08:00-08:00 local time in China), so the rules read a mix of two days (the cold
-- morning after a cold snap, the warm one after it ended); 05:00 Beijing time lies in every car's quiet hours, also
-- for cars in Xinjiang that keep local (UTC+6) time. Same columns as 0017 and as core/sql/refresh_daily.postgres.sql.
-- 21:00 UTC is midnight at UTC+3, so the buckets are days in the fixed zone 'Etc/GMT-3' (POSIX sign: UTC+3, no
-- daylight saving), labelled 3 hours later with their date: the refresh then aligns its window with these buckets
-- (a fixed offset of -3 hours does not: refresh_continuous_aggregate aligns a window to UTC days and refused one
-- fleet day as "too small").
-- It starts empty: forgetting the detection watermark makes the next detection pass a full refresh (over its
-- lookback window), and the policy refreshes the last 30 days.
DROP MATERIALIZED VIEW telemetry_daily;

CREATE MATERIALIZED VIEW telemetry_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
SELECT vehicle_id,
       time_bucket(INTERVAL '1 day', ts, 'Etc/GMT-3') + INTERVAL '3 hours' AS day,
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
GROUP BY vehicle_id, time_bucket(INTERVAL '1 day', ts, 'Etc/GMT-3')
WITH NO DATA;

SELECT add_continuous_aggregate_policy('telemetry_daily',
    start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '15 minutes');

DELETE FROM detection_watermark;
