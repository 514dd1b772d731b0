-- The vehicle with this VIN if, and only if, it belongs to this customer.
SELECT id, vin, model, powertrain
FROM vehicle
WHERE vin = %(vin)s AND customer_id = %(customer_id)s
