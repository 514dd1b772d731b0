-- Seasonal care (plain PostgreSQL): the daily rollup gains the columns the seasonal rules read, and risk.kind the
-- new seasonal kinds. Rows rolled up before this migration have NULL in the new columns; forgetting the detection
-- watermark makes the next detection pass a full refresh (over its lookback window), which fills them.
ALTER TABLE telemetry_daily
    ADD COLUMN air_temp_max   real,
    ADD COLUMN wiper_wear_max real,
    ADD COLUMN tire_kpa_min   real,
    -- the day's worst VSS EngineCoolant.Level: 0 = CRITICALLY_LOW, 1 = LOW, 2 = NORMAL
    ADD COLUMN coolant_min    smallint;

DELETE FROM detection_watermark;

ALTER TABLE risk DROP CONSTRAINT IF EXISTS risk_kind_check;
ALTER TABLE risk ADD CONSTRAINT risk_kind_check CHECK (kind IN (
    'battery_12v', 'ev_battery_soh', 'brake_pads', 'winter_prep', 'maintenance_due',
    'wipers', 'tyre_pressure', 'summer_care', 'holiday_trip'
));
