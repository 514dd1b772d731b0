-- One vehicle: whether it is registered, and its credentials' state when it has any.
SELECT v.vin, c.username, c.status, c.created_at, c.rotated_at, c.revoked_at
FROM vehicle v LEFT JOIN vehicle_credential c ON c.vin = v.vin
WHERE v.vin = %(vin)s
