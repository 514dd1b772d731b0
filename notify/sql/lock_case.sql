-- One risk, row-locked for this transaction (skipped while another notifier holds it), with its case, the vehicle,
-- the customer and the car's home area: the median of the last 30 days' daily mean positions, else the
-- customer's preferred center, else the first center of the vehicle's region.
SELECT r.id AS risk_id, r.status AS risk_status, r.kind, r.severity, r.diagnosis, r.evidence,
       r.predicted_date, r.predicted_low, r.predicted_high,
       v.id AS vehicle_id, v.vin, v.model, v.region,
       c.id AS customer_id, c.name AS customer_name, c.locale, c.tz AS customer_tz, c.segment,
       c.preferred_center_id,
       coalesce(t.lat, pc.lat_deg, rc.lat_deg) AS home_lat,
       coalesce(t.lon, pc.lon_deg, rc.lon_deg) AS home_lon,
       CASE WHEN t.lat IS NOT NULL THEN 'telemetry'
            WHEN pc.id IS NOT NULL THEN 'preferred_center'
            WHEN rc.lat_deg IS NOT NULL THEN 'region_center' END AS home_source,
       coalesce(k.stage, 'detected') AS stage, coalesce(k.muted, false) AS muted, k.notified_severity,
       c.quiet_start, c.quiet_end,
       (SELECT max(d.created_at) FROM care_dispatch d WHERE d.customer_id = c.id) AS last_sent_at
FROM risk r
JOIN vehicle v ON v.id = r.vehicle_id
JOIN customer c ON c.id = v.customer_id
LEFT JOIN care_case k ON k.risk_id = r.id
LEFT JOIN service_center pc ON pc.id = c.preferred_center_id
LEFT JOIN LATERAL (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d.lat_avg) AS lat,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY d.lon_avg) AS lon
    FROM telemetry_daily d
    WHERE d.vehicle_id = r.vehicle_id
      AND d.day > %(now)s - INTERVAL '30 days' AND d.day <= %(now)s
      AND d.lat_avg IS NOT NULL AND d.lon_avg IS NOT NULL
) t ON true
LEFT JOIN LATERAL (
    SELECT s.lat_deg, s.lon_deg FROM service_center s WHERE s.region = v.region ORDER BY s.id LIMIT 1
) rc ON true
WHERE r.id = %(risk_id)s
FOR UPDATE OF r SKIP LOCKED
