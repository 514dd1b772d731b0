-- Plain PostgreSQL: the daily rollup is a table refreshed by the detection job (core/sql/refresh_daily.postgres.sql).
CREATE TABLE telemetry_daily (
    vehicle_id      bigint NOT NULL,
    day             timestamptz NOT NULL,
    samples         bigint NOT NULL,
    lv_v_min        real,
    lv_v_rest_avg   real,
    lv_v_rest_n     bigint,
    hv_soh_avg      real,
    hv_soh_min      real,
    hv_soh_max      real,
    pad_wear_max    real,
    brake_fluid_min real,
    odometer_min_m  bigint,
    odometer_max_m  bigint,
    air_temp_avg    real,
    air_temp_min    real,
    lat_avg         double precision,
    lon_avg         double precision,
    PRIMARY KEY (vehicle_id, day)
);
CREATE INDEX telemetry_daily_day_idx ON telemetry_daily (day);
