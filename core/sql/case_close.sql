-- The case ends without a visit (e.g. the risk went away before anyone booked), with why.
INSERT INTO care_case (risk_id, vehicle_id, stage, close_reason, closed_at, updated_at)
VALUES (%(risk_id)s, %(vehicle_id)s, 'closed', %(close_reason)s, %(now)s, %(now)s)
ON CONFLICT (risk_id) DO UPDATE SET
    stage = 'closed',
    close_reason = coalesce(EXCLUDED.close_reason, care_case.close_reason),
    closed_at = coalesce(care_case.closed_at, EXCLUDED.closed_at),
    updated_at = EXCLUDED.updated_at
