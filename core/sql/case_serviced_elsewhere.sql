-- A visit outside a booking's own steps (the dealer system) replaced the part: the case (created here if new)
-- waits for telemetry to verify the fix from the visit on, as after a booking with a confirmed fault.
INSERT INTO care_case (risk_id, vehicle_id, stage, outcome, serviced_at, updated_at)
VALUES (%(risk_id)s::bigint, %(vehicle_id)s::bigint, 'serviced', 'fault_confirmed', %(serviced_at)s::timestamptz,
        %(now)s::timestamptz)
ON CONFLICT (risk_id) DO UPDATE SET
    stage = 'serviced',
    outcome = 'fault_confirmed',
    serviced_at = EXCLUDED.serviced_at,
    updated_at = EXCLUDED.updated_at
WHERE care_case.stage IN ('detected', 'notified', 'booked', 'checked_in')
