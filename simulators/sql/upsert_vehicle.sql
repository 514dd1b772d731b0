-- One vehicle by VIN.
INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region)
VALUES (%(vin)s, %(customer_id)s, %(model)s, %(model_year)s, %(powertrain)s, %(region)s)
ON CONFLICT (vin) DO UPDATE SET
    customer_id = EXCLUDED.customer_id, model = EXCLUDED.model, model_year = EXCLUDED.model_year,
    powertrain = EXCLUDED.powertrain, region = EXCLUDED.region;
