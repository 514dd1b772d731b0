-- The owner was told: the case is (or stays) notified, with the severity they were told.
INSERT INTO care_case (risk_id, vehicle_id, stage, notified_severity, notified_at, updated_at)
VALUES (%(risk_id)s, %(vehicle_id)s, 'notified', %(severity)s, %(now)s, %(now)s)
ON CONFLICT (risk_id) DO UPDATE SET
    stage = 'notified',
    notified_severity = coalesce(EXCLUDED.notified_severity, care_case.notified_severity),
    notified_at = coalesce(care_case.notified_at, EXCLUDED.notified_at),
    updated_at = EXCLUDED.updated_at
