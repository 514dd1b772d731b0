-- The fleet-day rollup of 0021 again, with its label computed by immutable functions only (TimescaleDB mode).
-- 0021 labels each bucket `time_bucket(...) + INTERVAL '3 hours'`: timestamptz + interval is STABLE in PostgreSQL
-- (an interval with days or months depends on the session's time zone), so TimescaleDB warned that the view "uses
-- non-immutable functions" and may rematerialize inconsistently. The same label, midnight UTC of the bucket's date,
-- is the bucket start read as a wall-clock time in the bucket's own zone and put back as UTC:
-- `bucket AT TIME ZONE 'Etc/GMT-3' AT TIME ZONE 'UTC'`, both timezone(text, ...) forms IMMUTABLE (the zone is
-- explicit, and Etc/GMT-3 is a fixed UTC+3 without daylight saving). Buckets, columns and labels are those of 0021
-- and of core/sql/refresh_daily.postgres.sql; core/sql/refresh_daily.timescale.sql is unchanged.
-- A continuous aggregate's query cannot be altered, so the view is rebuilt empty, as in 0021: forgetting the
-- detection watermark makes the next detection pass a full refresh (over its lookback window), and the policy
-- refreshes the last 30 days.
DROP MATERIALIZED VIEW telemetry_daily;

CREATE MATERIALIZED VIEW telemetry_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
SELECT vehicle_id,
       time_bucket(INTERVAL '1 day', ts, 'Etc/GMT-3') AT TIME ZONE 'Etc/GMT-3' AT TIME ZONE 'UTC' AS day,
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
