-- Cases serviced with a confirmed fault, waiting for telemetry to verify the fix: the rule's last firing and how
-- many days of data arrived after the grace period.
SELECT k.risk_id, k.serviced_at, r.status AS risk_status, r.last_seen_at,
       (SELECT count(*) FROM telemetry_daily d
        WHERE d.vehicle_id = k.vehicle_id
          AND d.day >= k.serviced_at + make_interval(days => %(grace_days)s)
          AND d.day <= %(now)s) AS days_with_data
FROM care_case k
JOIN risk r ON r.id = k.risk_id
WHERE k.stage = 'serviced' AND k.outcome = 'fault_confirmed'
ORDER BY k.risk_id
LIMIT %(limit)s
FOR UPDATE OF k SKIP LOCKED
