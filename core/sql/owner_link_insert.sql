-- A new owner link for one customer's car (and the risk its message is about); the vehicle must be theirs.
INSERT INTO owner_link (hash, customer_id, vehicle_id, risk_id, created_by, created_at, expires_at)
SELECT %(hash)s, v.customer_id, v.id, %(risk_id)s, %(created_by)s, %(now)s, %(expires_at)s
FROM vehicle v
WHERE v.id = %(vehicle_id)s AND v.customer_id = %(customer_id)s
RETURNING id
