-- Cars whose owner has a preferred center and no open (or lately closed) outreach task: their last known visit, how many of the
-- last 30 days they drove, the latest distance-to-service reading and traction battery health.
SELECT v.id AS vehicle_id, c.preferred_center_id AS center_id,
       -- the real last visit (the service history, Carecast's own cases); with none known, since the car was
       -- registered or came to Carecast
       coalesce(greatest(v.last_visit_at,
                         (SELECT max(s.visited_at) FROM service_visit s
                          WHERE s.vehicle_id = v.id AND s.visited_at <= %(now)s),
                         (SELECT max(k.serviced_at) FROM care_case k WHERE k.vehicle_id = v.id)),
                v.registered_on::timestamptz, v.created_at) AS last_visit,
       (SELECT count(*) FROM telemetry_daily d
        WHERE d.vehicle_id = v.id AND d.day > %(now)s - INTERVAL '30 days' AND d.day <= %(now)s
          AND d.samples > 0) AS active_days,
       (SELECT t.service_km FROM telemetry t
        WHERE t.vehicle_id = v.id AND t.service_km IS NOT NULL
          AND t.ts > %(now)s - INTERVAL '30 days' AND t.ts <= %(now)s
        ORDER BY t.ts DESC LIMIT 1) AS service_km,
       (SELECT d.hv_soh_avg FROM telemetry_daily d
        WHERE d.vehicle_id = v.id AND d.hv_soh_avg IS NOT NULL AND d.day <= %(now)s
        ORDER BY d.day DESC LIMIT 1) AS soh_pct
FROM vehicle v
JOIN customer c ON c.id = v.customer_id
WHERE c.preferred_center_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM center_feed_item f
                  WHERE f.vehicle_id = v.id AND f.kind = 'outreach' AND f.status = 'open')
  -- an advisor's call answers the question for a quarter: no new task for 90 days after one was closed with an
  -- outcome (declined, unreachable...); a booked car has its visit meanwhile and is no longer silent
  AND NOT EXISTS (SELECT 1 FROM center_feed_item f
                  WHERE f.vehicle_id = v.id AND f.kind = 'outreach' AND f.closed_at > %(now)s - INTERVAL '90 days')
ORDER BY v.id
