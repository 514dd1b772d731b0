-- Registered vehicles without broker credentials (a freshly imported fleet), by VIN.
SELECT v.vin FROM vehicle v
WHERE NOT EXISTS (SELECT 1 FROM vehicle_credential c WHERE c.vin = v.vin)
ORDER BY v.vin
