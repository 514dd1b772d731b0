-- Workshop outcomes per detection rule: confirmed faults, no-fault-found visits, verified fixes, and how early
-- the rule warned (days from first detection to the predicted date, and to the service).
SELECT r.rule_id, r.kind,
       count(*) FILTER (WHERE k.outcome = 'fault_confirmed') AS confirmed,
       count(*) FILTER (WHERE k.outcome = 'no_fault_found') AS no_fault,
       count(*) FILTER (WHERE k.close_reason = 'verified') AS verified,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.predicted_date - r.first_seen_at::date)
           FILTER (WHERE k.outcome = 'fault_confirmed' AND r.predicted_date IS NOT NULL) AS lead_days,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM k.serviced_at - r.first_seen_at) / 86400)
           FILTER (WHERE k.serviced_at IS NOT NULL) AS to_service_days
FROM care_case k
JOIN risk r ON r.id = k.risk_id
WHERE k.outcome IS NOT NULL
GROUP BY r.rule_id, r.kind
ORDER BY r.rule_id
