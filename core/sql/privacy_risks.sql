-- Risks raised on the person's vehicles while they owned them (view ownership_period), with the case each opened.
SELECT r.id AS risk_id, v.vin, r.kind, r.status, r.severity, r.confidence, r.diagnosis, r.evidence,
       r.predicted_date, r.first_seen_at, r.last_seen_at, r.resolved_at,
       k.stage, k.outcome, k.close_reason, k.notified_at, k.booked_at, k.serviced_at, k.closed_at
FROM ownership_period o
JOIN vehicle v ON v.id = o.vehicle_id
JOIN risk r ON r.vehicle_id = o.vehicle_id AND r.first_seen_at >= o.starts AND r.first_seen_at < o.ends
LEFT JOIN care_case k ON k.risk_id = r.id
WHERE o.customer_id = %(customer_id)s
ORDER BY r.first_seen_at, r.id
