-- Every vehicle with broker credentials, by VIN.
SELECT vin, username, status, created_at, rotated_at, revoked_at
FROM vehicle_credential ORDER BY vin
