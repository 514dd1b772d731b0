-- Forget a vehicle's credentials (its broker account and role are deleted).
DELETE FROM vehicle_credential WHERE vin = %(vin)s RETURNING vin
