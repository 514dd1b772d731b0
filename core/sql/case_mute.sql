INSERT INTO care_case (risk_id, vehicle_id, stage, muted, updated_at)
VALUES (%(risk_id)s, %(vehicle_id)s, 'notified', true, %(now)s::timestamptz)
ON CONFLICT (risk_id) DO UPDATE SET muted = true, updated_at = %(now)s::timestamptz
