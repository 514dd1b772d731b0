-- Move an alert one step (domain/feedback.py decided it may), stamping when and who.
UPDATE feedback_alert
SET status = %(status)s,
    acknowledged_at = CASE WHEN %(status)s = 'acknowledged' THEN %(now)s::timestamptz ELSE acknowledged_at END,
    acknowledged_by = CASE WHEN %(status)s = 'acknowledged' THEN %(advisor_id)s::bigint ELSE acknowledged_by END,
    contacted_at = CASE WHEN %(status)s = 'contacted' THEN %(now)s::timestamptz ELSE contacted_at END,
    contacted_by = CASE WHEN %(status)s = 'contacted' THEN %(advisor_id)s::bigint ELSE contacted_by END,
    resolved_at = CASE WHEN %(status)s = 'resolved' THEN %(now)s::timestamptz ELSE resolved_at END,
    resolved_by = CASE WHEN %(status)s = 'resolved' THEN %(advisor_id)s::bigint ELSE resolved_by END,
    resolution = coalesce(%(resolution)s::text, resolution),
    note = coalesce(%(note)s::text, note)
WHERE id = %(alert_id)s
RETURNING id, status, advisor_id, risk_id, survey_id, resolution, note, resolved_at,
          (SELECT v.vin FROM vehicle v WHERE v.id = vehicle_id) AS vin
