-- A new owner link for the car of a risk, when the message's customer still owns it (what a care message carries).
INSERT INTO owner_link (hash, customer_id, vehicle_id, risk_id, created_by, created_at, expires_at)
SELECT %(hash)s, v.customer_id, v.id, r.id, 'notify', %(now)s, %(expires_at)s
FROM risk r
JOIN vehicle v ON v.id = r.vehicle_id
WHERE r.id = %(risk_id)s AND v.customer_id = %(customer_id)s
RETURNING id
