-- A center's negative-feedback alerts, newest first: unresolved only unless `all`, only one advisor's when
-- `advisor_id` is given; with the customer, the car, the survey's questions and answers, and who did each step.
SELECT a.id, a.status, a.created_at, a.acknowledged_at, a.contacted_at, a.resolved_at, a.resolution, a.note,
       a.goodwill_kind, a.goodwill_amount::float AS goodwill_amount, a.goodwill_note, a.goodwill_at,
       a.advisor_id, ad.name AS advisor_name, a.negative, a.risk_id, a.survey_id,
       c.name AS customer_name, c.channels ->> 'phone' AS phone,
       v.vin, v.model, v.plate, s.questions, s.answers, s.answered_at,
       ack.name AS acknowledged_by, con.name AS contacted_by, res.name AS resolved_by, sc.tz
FROM feedback_alert a
JOIN service_center sc ON sc.id = a.center_id
JOIN customer c ON c.id = a.customer_id
JOIN vehicle v ON v.id = a.vehicle_id
JOIN survey s ON s.id = a.survey_id
LEFT JOIN advisor ad ON ad.id = a.advisor_id
LEFT JOIN advisor ack ON ack.id = a.acknowledged_by
LEFT JOIN advisor con ON con.id = a.contacted_by
LEFT JOIN advisor res ON res.id = a.resolved_by
WHERE a.center_id = %(center_id)s
  AND (%(all)s OR a.status <> 'resolved')
  AND (%(advisor_id)s::bigint IS NULL OR a.advisor_id = %(advisor_id)s::bigint)
ORDER BY a.id DESC
LIMIT %(limit)s
