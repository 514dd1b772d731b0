-- Price before booking and pickup & delivery (issue #16).
-- Centers: how their prices carry tax, and whether (how far, for what fee, in which local time windows) their
-- drivers collect a car and bring it back. Prices stay as imported (service_center.hourly_rate, part.price).
ALTER TABLE service_center ADD COLUMN tax_rate numeric(5, 4) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1);
ALTER TABLE service_center ADD COLUMN prices_include_tax boolean NOT NULL DEFAULT true;
ALTER TABLE service_center ADD COLUMN pickup_offered boolean NOT NULL DEFAULT false;
ALTER TABLE service_center ADD COLUMN pickup_radius_km real CHECK (pickup_radius_km > 0);
ALTER TABLE service_center ADD COLUMN pickup_fee numeric(10, 2) CHECK (pickup_fee >= 0);
-- [["08:00", "11:00"], ["13:00", "16:00"]]: local times in which a driver may collect a car; [] = opening hours
ALTER TABLE service_center ADD COLUMN pickup_windows jsonb NOT NULL DEFAULT '[]'::jsonb
    CHECK (jsonb_typeof(pickup_windows) = 'array');

-- The estimate the owner was shown (domain/pricing.py Estimate as JSON), null when the center or a part has no
-- price; pickup and delivery as the owner chose it when accepting (the fee is then a line of the estimate).
ALTER TABLE booking_suggestion ADD COLUMN estimate jsonb;
ALTER TABLE booking_suggestion ADD COLUMN pickup_address text CHECK (length(pickup_address) BETWEEN 1 AND 500);
ALTER TABLE booking_suggestion ADD COLUMN pickup_lat double precision CHECK (pickup_lat BETWEEN -90 AND 90);
ALTER TABLE booking_suggestion ADD COLUMN pickup_lon double precision CHECK (pickup_lon BETWEEN -180 AND 180);
ALTER TABLE booking_suggestion ADD COLUMN pickup_at timestamptz;
ALTER TABLE booking_suggestion ADD COLUMN delivery_at timestamptz;
ALTER TABLE booking_suggestion ADD COLUMN pickup_distance_km real CHECK (pickup_distance_km >= 0);
ALTER TABLE booking_suggestion ADD CONSTRAINT booking_suggestion_pickup_check CHECK (
    (pickup_address IS NULL) = (pickup_at IS NULL)
    AND (pickup_at IS NULL) = (delivery_at IS NULL)
    AND (pickup_at IS NULL OR (pickup_at <= slot_start AND delivery_at >= slot_end))
);

-- The center's item gains the estimate and the pickup (null when the owner brings the car).
CREATE OR REPLACE VIEW booking_suggestion_item AS
SELECT b.id, b.center_id,
       json_build_object(
           'id', b.id, 'rank', b.rank, 'status', b.status,
           'risk', json_build_object(
               'id', r.id, 'kind', r.kind, 'severity', r.severity, 'confidence', r.confidence,
               'diagnosis', r.diagnosis, 'predicted_date', r.predicted_date, 'predicted_low', r.predicted_low,
               'predicted_high', r.predicted_high, 'evidence', r.evidence),
           'vehicle', json_build_object('vin', v.vin, 'model', v.model, 'powertrain', v.powertrain),
           'customer', json_build_object('name', c.name, 'segment', c.segment, 'locale', c.locale),
           'slot_start', btrim(to_json(b.slot_start AT TIME ZONE 'UTC')::text, '"') || 'Z',
           'slot_end', btrim(to_json(b.slot_end AT TIME ZONE 'UTC')::text, '"') || 'Z',
           'technician', json_build_object('id', t.id, 'name', t.name),
           'parts', b.parts, 'deadline', b.deadline, 'distance_km', b.distance_km, 'reason', b.reason,
           'created_at', btrim(to_json(b.created_at AT TIME ZONE 'UTC')::text, '"') || 'Z',
           'estimate', b.estimate,
           'pickup', CASE WHEN b.pickup_at IS NOT NULL THEN json_build_object(
               'address', b.pickup_address, 'lat', b.pickup_lat, 'lon', b.pickup_lon,
               'distance_km', b.pickup_distance_km,
               'pickup_at', btrim(to_json(b.pickup_at AT TIME ZONE 'UTC')::text, '"') || 'Z',
               'delivery_at', btrim(to_json(b.delivery_at AT TIME ZONE 'UTC')::text, '"') || 'Z') END
       ) AS item
FROM booking_suggestion b
JOIN risk r ON r.id = b.risk_id
JOIN vehicle v ON v.id = b.vehicle_id
JOIN customer c ON c.id = v.customer_id
JOIN technician t ON t.id = b.technician_id;

-- Owner-started requests (POST /v1/vehicles/{vin}/requests) are risks of kind owner_request: the owner's text and
-- category are the typed evidence (domain/evidence OwnerRequestEvidence), so the request rides the whole case
-- lifecycle (offers, price, pickup, feed, check-in, completion). One open request per car (risk_open_uniq).
ALTER TABLE risk DROP CONSTRAINT IF EXISTS risk_kind_check;
ALTER TABLE risk ADD CONSTRAINT risk_kind_check CHECK (kind IN (
    'battery_12v', 'ev_battery_soh', 'brake_pads', 'winter_prep', 'maintenance_due',
    'wipers', 'tyre_pressure', 'summer_care', 'holiday_trip', 'owner_request'
));

-- The photo an owner attached to a request (JPEG or PNG, size bounded by the API's setting and here).
CREATE TABLE owner_request_photo (
    risk_id      bigint PRIMARY KEY REFERENCES risk (id) ON DELETE CASCADE,
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    data         bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 4194304),
    created_at   timestamptz NOT NULL DEFAULT now()
);
