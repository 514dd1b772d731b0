-- One alert of the center, locked for a step.
SELECT id, status, resolution, advisor_id, risk_id, survey_id, goodwill_at
FROM feedback_alert
WHERE id = %(alert_id)s AND center_id = %(center_id)s
FOR UPDATE
