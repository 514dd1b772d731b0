-- Per detection rule version: workshop outcomes of the cases serviced since %(since)s (NULL: ever), and lead times
-- in days. Lead time = from the first warning to the predicted failure day (how much warning the rule gave), and
-- from the first warning to the workshop visit. Days are UTC days.
SELECT r.rule_id, r.rule_version, r.kind,
       count(*) FILTER (WHERE k.outcome = 'fault_confirmed') AS confirmed,
       count(*) FILTER (WHERE k.outcome = 'no_fault_found') AS no_fault_found,
       count(*) FILTER (WHERE k.close_reason = 'verified') AS verified,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY (r.predicted_date - (r.first_seen_at AT TIME ZONE 'UTC')::date))
           FILTER (WHERE k.outcome = 'fault_confirmed' AND r.predicted_date IS NOT NULL) AS lead_days_median,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM k.serviced_at - r.first_seen_at) / 86400.0)
           FILTER (WHERE k.serviced_at IS NOT NULL) AS days_to_service_median
FROM care_case k
JOIN risk r ON r.id = k.risk_id
WHERE k.outcome IS NOT NULL
  AND (%(since)s::timestamptz IS NULL OR coalesce(k.serviced_at, k.closed_at, k.updated_at) >= %(since)s)
GROUP BY r.rule_id, r.rule_version, r.kind
ORDER BY r.rule_id, r.rule_version
