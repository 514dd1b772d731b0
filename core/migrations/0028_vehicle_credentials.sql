-- Which vehicles hold broker credentials (Mosquitto dynamic-security accounts), and since when. Never the password:
-- it is shown once when issued (docs/provisioning.md). Written only by core/provisioning.py, after the broker
-- has accepted the change.
-- A vehicle with a row cannot be deleted (RESTRICT): deregistering a vehicle deprovisions it first
-- (`carecast vehicles deprovision VIN`), so no broker account outlives its vehicle.
CREATE TABLE vehicle_credential (
    vin         text PRIMARY KEY REFERENCES vehicle (vin) ON UPDATE CASCADE ON DELETE RESTRICT,
    username    text NOT NULL UNIQUE,
    -- active: the vehicle may log in; revoked: the account exists but is disabled (rotate enables it again).
    status      text NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz,
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
