-- The photos the person attached to the requests they filed (owner_request risks raised while they owned the car:
-- view ownership_period).
SELECT p.risk_id, p.content_type, p.data, p.created_at
FROM ownership_period o
JOIN risk r ON r.vehicle_id = o.vehicle_id AND r.kind = 'owner_request'
           AND r.first_seen_at >= o.starts AND r.first_seen_at < o.ends
JOIN owner_request_photo p ON p.risk_id = r.id
WHERE o.customer_id = %(customer_id)s
ORDER BY p.risk_id
