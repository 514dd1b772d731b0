-- Record that the owner was told (stage notified, the severity they were told) or that the case ended on its own.
INSERT INTO care_case (risk_id, vehicle_id, stage, notified_severity, notified_at, close_reason, closed_at,
                       updated_at)
VALUES (%(risk_id)s, %(vehicle_id)s, %(stage)s, %(severity)s,
        CASE WHEN %(stage)s = 'notified' THEN %(now)s::timestamptz END,
        %(close_reason)s, CASE WHEN %(stage)s = 'closed' THEN %(now)s::timestamptz END, %(now)s)
ON CONFLICT (risk_id) DO UPDATE SET
    stage = EXCLUDED.stage,
    notified_severity = coalesce(EXCLUDED.notified_severity, care_case.notified_severity),
    notified_at = coalesce(care_case.notified_at, EXCLUDED.notified_at),
    close_reason = coalesce(EXCLUDED.close_reason, care_case.close_reason),
    closed_at = coalesce(EXCLUDED.closed_at, care_case.closed_at),
    updated_at = EXCLUDED.updated_at
