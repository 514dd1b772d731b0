-- Telemetry: wide typed columns for the signals rules read (unit in the name), jsonb for the rest.
-- No foreign key to vehicle: ingest resolves every VIN before writing, and a per-row FK check would tax COPY.

CREATE TABLE telemetry (
    vehicle_id       bigint NOT NULL,
    ts               timestamptz NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    lv_voltage_v     real,
    lv_current_a     real,
    hv_soh_pct       real CHECK (hv_soh_pct BETWEEN 0 AND 100),
    hv_soc_pct       real CHECK (hv_soc_pct BETWEEN 0 AND 100),
    hv_temp_avg_c    real,
    hv_cell_min_v    real,
    hv_cell_max_v    real,
    pad_wear_fl_pct  smallint CHECK (pad_wear_fl_pct BETWEEN 0 AND 100),
    pad_wear_fr_pct  smallint CHECK (pad_wear_fr_pct BETWEEN 0 AND 100),
    pad_wear_rl_pct  smallint CHECK (pad_wear_rl_pct BETWEEN 0 AND 100),
    pad_wear_rr_pct  smallint CHECK (pad_wear_rr_pct BETWEEN 0 AND 100),
    brake_fluid_pct  smallint CHECK (brake_fluid_pct BETWEEN 0 AND 100),
    odometer_m       bigint CHECK (odometer_m >= 0),
    speed_kmh        real,
    air_temp_c       real,
    lat_deg          double precision CHECK (lat_deg BETWEEN -90 AND 90),
    lon_deg          double precision CHECK (lon_deg BETWEEN -180 AND 180),
    coolant_level    text,
    wiper_wear_pct   smallint CHECK (wiper_wear_pct BETWEEN 0 AND 100),
    tire_fl_kpa      integer,
    tire_fr_kpa      integer,
    tire_rl_kpa      integer,
    tire_rr_kpa      integer,
    dtc_count        smallint,
    service_km       real,
    service_s        integer,
    extra            jsonb,
    CONSTRAINT telemetry_vehicle_ts_key UNIQUE (vehicle_id, ts)
);

-- Payloads that could not be stored (whole message or one sample), with the reason; acked to the broker.
CREATE TABLE ingest_reject (
    id            bigserial PRIMARY KEY,
    received_at   timestamptz NOT NULL DEFAULT now(),
    topic         text NOT NULL,
    vin           text,
    reason        text NOT NULL,
    detail        text,
    sample_index  integer,
    payload       bytea
);
CREATE INDEX ingest_reject_received_idx ON ingest_reject (received_at);
