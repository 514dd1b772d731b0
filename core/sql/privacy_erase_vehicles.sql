-- The vehicles the person owns keep their id, telemetry, rollups, risks and visits (anonymous statistics) but
-- lose their VIN and plate, which would link them back to the person: the VIN becomes a random pseudonym (17
-- upper-case hex digits, valid VIN characters). Vehicles the person sold keep theirs: they are someone else's now.
UPDATE vehicle
SET vin = upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 17)),
    plate = NULL, vin_pseudonymised_at = %(now)s, updated_at = %(now)s
WHERE customer_id = %(customer_id)s AND vin_pseudonymised_at IS NULL
RETURNING id
