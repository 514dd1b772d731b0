-- Vehicles of the person that still hold broker credentials: their account's user name is the real VIN
-- (core/provisioning.py), so erasure waits until they are deprovisioned (`carecast vehicles deprovision VIN`).
SELECT v.vin FROM vehicle v
JOIN vehicle_credential k ON k.vin = v.vin
WHERE v.customer_id = %(customer_id)s AND v.vin_pseudonymised_at IS NULL
ORDER BY v.vin
