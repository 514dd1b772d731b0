-- The care messages written to the person (conversation steps and surveys).
SELECT m.id, v.vin, m.risk_id, m.purpose, m.locale, m.subject, m.body, m.status, m.send_after, m.sent_at,
       m.created_at
FROM care_message m
JOIN vehicle v ON v.id = m.vehicle_id
WHERE m.customer_id = %(customer_id)s
ORDER BY m.id
