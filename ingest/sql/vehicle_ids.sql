-- Every known VIN and its vehicle id (warms the resolver cache at start).
SELECT vin, id FROM vehicle
