-- Record live credentials for a vehicle: a new row, or a rotation of an existing one (active again).
INSERT INTO vehicle_credential (vin, username, status, created_at)
VALUES (%(vin)s, %(username)s, 'active', %(now)s)
ON CONFLICT (vin) DO UPDATE
SET username = EXCLUDED.username, status = 'active', rotated_at = %(now)s, revoked_at = NULL
RETURNING vin, username, status, created_at, rotated_at, revoked_at
