-- Mark a vehicle's credentials revoked (its broker account is disabled).
UPDATE vehicle_credential SET status = 'revoked', revoked_at = %(now)s
WHERE vin = %(vin)s
RETURNING vin, username, status, created_at, rotated_at, revoked_at
