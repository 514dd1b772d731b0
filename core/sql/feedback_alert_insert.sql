-- A negative answer's alert, written with the answer: assigned to the customer's advisor, mailed by notify from
-- `now` on. One per survey.
INSERT INTO feedback_alert (survey_id, center_id, customer_id, vehicle_id, risk_id, advisor_id, negative,
                            created_at, mail_next_at)
SELECT s.id, s.center_id, s.customer_id, k.vehicle_id, s.risk_id, c.advisor_id, %(negative)s, %(now)s, %(now)s
FROM survey s
JOIN care_case k ON k.risk_id = s.risk_id
JOIN customer c ON c.id = s.customer_id
WHERE s.id = %(survey_id)s
ON CONFLICT (survey_id) DO NOTHING
RETURNING id, center_id, advisor_id, risk_id, survey_id, negative,
          (SELECT v.vin FROM vehicle v WHERE v.id = vehicle_id) AS vin
