-- The customer's vehicles with how many risks are open on each, by VIN.
SELECT v.vin, v.model, v.model_year, v.powertrain, v.region,
       (SELECT count(*) FROM risk r WHERE r.vehicle_id = v.id AND r.status = 'open') AS open_alerts
FROM vehicle v
WHERE v.customer_id = %(customer_id)s
ORDER BY v.vin
