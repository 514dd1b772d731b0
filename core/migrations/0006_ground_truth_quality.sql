-- Ground truth written by the simulator's backfill (what detection is scored against) and the data-quality issues
-- detection found and excluded from its trends.

-- Per simulated vehicle and component: when a fault started and when the part fails (crosses its limit), and when
-- the simulated owner had it serviced. `fault_start` is null for natural wear (no injected fault).
CREATE TABLE sim_ground_truth (
    id            bigserial PRIMARY KEY,
    seed          integer NOT NULL,
    vin           text NOT NULL,
    kind          text NOT NULL,
    mode          text NOT NULL,
    fault_start   date,
    failure_date  date NOT NULL,
    service_date  date,
    UNIQUE (seed, vin, kind, mode, failure_date)
);
CREATE INDEX sim_ground_truth_vin_idx ON sim_ground_truth (vin);

-- One row per vehicle, day and issue, e.g. 'odometer_backwards', 'soh_jump', 'went_silent', 'stale_signal'.
CREATE TABLE data_quality_flag (
    vehicle_id     bigint NOT NULL REFERENCES vehicle (id),
    day            date NOT NULL,
    issue          text NOT NULL,
    detail         jsonb NOT NULL DEFAULT '{}',
    first_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (vehicle_id, day, issue)
);
