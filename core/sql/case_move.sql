-- Move a case (created here if the notifier has not yet) and stamp the step.
INSERT INTO care_case (risk_id, vehicle_id, stage, booking_id, booked_at, updated_at)
VALUES (%(risk_id)s, %(vehicle_id)s, %(stage)s, %(booking_id)s,
        CASE WHEN %(stage)s = 'booked' THEN %(now)s::timestamptz END, %(now)s::timestamptz)
ON CONFLICT (risk_id) DO UPDATE SET
    stage = EXCLUDED.stage,
    booking_id = coalesce(EXCLUDED.booking_id, care_case.booking_id),
    booked_at = CASE WHEN EXCLUDED.stage = 'booked' THEN %(now)s::timestamptz ELSE care_case.booked_at END,
    checked_in_at = CASE WHEN EXCLUDED.stage = 'checked_in' THEN %(now)s::timestamptz ELSE care_case.checked_in_at END,
    serviced_at = CASE WHEN EXCLUDED.stage IN ('serviced', 'closed') AND %(outcome)s::text IS NOT NULL
                       THEN %(now)s::timestamptz ELSE care_case.serviced_at END,
    outcome = coalesce(%(outcome)s::text, care_case.outcome),
    parts_used = coalesce(%(parts_used)s::jsonb, care_case.parts_used),
    close_reason = coalesce(%(close_reason)s::text, care_case.close_reason),
    closed_at = CASE WHEN EXCLUDED.stage = 'closed' THEN %(now)s::timestamptz ELSE care_case.closed_at END,
    muted = care_case.muted OR %(mute)s,
    updated_at = %(now)s::timestamptz
