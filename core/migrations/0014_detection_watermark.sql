-- Detection follows what actually arrived: the highest telemetry.received_at a pass has rolled up, so the next
-- pass refreshes the rollup from the oldest event time (ts) received since, however old (store-and-forward data).
CREATE TABLE detection_watermark (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    received_at  timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
-- received_at grows with insertion order, so a BRIN index finds "rows received since the watermark" cheaply.
CREATE INDEX telemetry_received_brin ON telemetry USING brin (received_at) WITH (pages_per_range = 32);

-- New risk kind (core.contracts.RiskKind): maintenance_due. The only other CHECK (kind ...) in the schema (0011) is
-- about feedback/outreach kinds, not risk kinds.
ALTER TABLE risk DROP CONSTRAINT IF EXISTS risk_kind_check;
ALTER TABLE risk ADD CONSTRAINT risk_kind_check CHECK (kind IN (
    'battery_12v', 'ev_battery_soh', 'brake_pads', 'winter_prep', 'maintenance_due'
));
