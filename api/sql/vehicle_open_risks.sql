-- A vehicle's open risks (at most one per kind).
SELECT id, kind, severity, confidence, diagnosis, predicted_date, predicted_low, predicted_high, first_seen_at
FROM risk
WHERE vehicle_id = %(vehicle_id)s AND status = 'open'
ORDER BY id
