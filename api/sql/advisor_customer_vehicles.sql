-- The customer's cars, by VIN.
SELECT v.id, v.vin, v.plate, v.model, v.model_year, v.powertrain
FROM vehicle v
WHERE v.customer_id = %(customer_id)s
ORDER BY v.vin
