-- New risk kind (domain.vocabulary.RiskKind): dtc, a diagnostic trouble code the car stored
-- (Vehicle.Diagnostics.DTCList, read by detection/rules/dtc.py).
ALTER TABLE risk DROP CONSTRAINT IF EXISTS risk_kind_check;
ALTER TABLE risk ADD CONSTRAINT risk_kind_check CHECK (kind IN (
    'battery_12v', 'ev_battery_soh', 'brake_pads', 'winter_prep', 'maintenance_due',
    'wipers', 'tyre_pressure', 'summer_care', 'holiday_trip', 'owner_request', 'dtc'
));
