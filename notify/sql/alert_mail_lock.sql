-- One due alert, locked for its e-mail (skipped when another notify holds it), with what the e-mail says. The
-- advisor's address is the DMS one (advisor.email), else the login address.
SELECT a.id, a.attempts_done, a.center_id, ad.name AS advisor, coalesce(ad.email, ad.login_email) AS email,
       c.name AS customer, c.channels ->> 'phone' AS phone, v.model, v.plate, v.vin, s.questions, s.answers
FROM (SELECT id, mail_attempts AS attempts_done, center_id, advisor_id, customer_id, vehicle_id, survey_id
      FROM feedback_alert
      WHERE id = %(id)s AND mail_sent_at IS NULL
      FOR UPDATE SKIP LOCKED) a
JOIN survey s ON s.id = a.survey_id
JOIN customer c ON c.id = a.customer_id
JOIN vehicle v ON v.id = a.vehicle_id
LEFT JOIN advisor ad ON ad.id = a.advisor_id
