-- Vehicles by VIN, from a JSON array of rows (owner and region already resolved). A new owner is a change of
-- customer_id: the trigger of migration 0026 keeps vehicle_ownership. Returns (vin, created) for each row inserted
-- or changed.
INSERT INTO vehicle AS v (vin, customer_id, brand, model, model_year, powertrain, region, registered_on,
                          odometer_at_registration_km, plate, updated_at)
SELECT r.vin, r.customer_id, r.brand, r.model, r.model_year, r.powertrain, r.region, r.registered_on,
       r.odometer_at_registration_km, r.plate, %(now)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (
    vin text, customer_id bigint, brand text, model text, model_year smallint, powertrain text, region text,
    registered_on date, odometer_at_registration_km integer, plate text
)
ON CONFLICT (vin) DO UPDATE SET
    customer_id = EXCLUDED.customer_id, brand = EXCLUDED.brand, model = EXCLUDED.model,
    model_year = EXCLUDED.model_year, powertrain = EXCLUDED.powertrain, region = EXCLUDED.region,
    registered_on = EXCLUDED.registered_on, odometer_at_registration_km = EXCLUDED.odometer_at_registration_km,
    plate = EXCLUDED.plate, updated_at = EXCLUDED.updated_at
WHERE (v.customer_id, v.brand, v.model, v.model_year, v.powertrain, v.region, v.registered_on,
       v.odometer_at_registration_km, v.plate)
    IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.brand, EXCLUDED.model, EXCLUDED.model_year,
                      EXCLUDED.powertrain, EXCLUDED.region, EXCLUDED.registered_on,
                      EXCLUDED.odometer_at_registration_km, EXCLUDED.plate)
RETURNING v.vin, xmax = 0 AS created;
