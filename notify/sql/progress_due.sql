-- Recent workshop steps (since .. now) the owner has not been told about yet, one row per case and step:
-- checked in, ready for pickup (the visit's outcome is recorded), done (telemetry verified the fix), and each move
-- of the booked visit by the center (an offer.rescheduled event: purpose progress_rescheduled:<event id>, so every
-- move is told once). The message purpose is the idempotency key (care_message is unique per risk and purpose).
WITH steps AS (
    SELECT k.risk_id, p.purpose, p.at, NULL::timestamptz AS slot_start, NULL::timestamptz AS slot_end
    FROM care_case k
    CROSS JOIN LATERAL (
        VALUES ('progress_checked_in', k.checked_in_at),
               ('progress_ready', CASE WHEN k.outcome IS NOT NULL THEN coalesce(k.serviced_at, k.closed_at) END),
               ('progress_done', k.verified_at)
    ) p (purpose, at)
    WHERE k.booking_id IS NOT NULL AND p.at > %(since)s AND p.at <= %(now)s
    UNION ALL
    SELECT k.risk_id, 'progress_rescheduled:' || e.id, e.created_at,
           (e.data ->> 'slot_start')::timestamptz, (e.data ->> 'slot_end')::timestamptz
    FROM center_event e
    JOIN care_case k ON k.risk_id = (e.data ->> 'risk_id')::bigint
                    AND k.booking_id = (e.data ->> 'booking_id')::bigint AND k.stage = 'booked'
    WHERE e.type = 'offer.rescheduled' AND e.created_at > %(since)s AND e.created_at <= %(now)s
)
SELECT k.risk_id, k.vehicle_id, s.purpose, s.at, s.slot_start, s.slot_end, k.outcome, v.vin, v.model,
       c.id AS customer_id, c.name, c.locale, c.tz, c.segment, c.quiet_start, c.quiet_end,
       coalesce(sc.name, '') AS center_name,
       (SELECT max(d.created_at) FROM care_dispatch d WHERE d.customer_id = c.id) AS last_sent_at
FROM steps s
JOIN care_case k ON k.risk_id = s.risk_id
JOIN vehicle v ON v.id = k.vehicle_id
JOIN customer c ON c.id = v.customer_id
LEFT JOIN booking_suggestion b ON b.id = k.booking_id
LEFT JOIN service_center sc ON sc.id = b.center_id
WHERE c.erased_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM care_message m WHERE m.risk_id = k.risk_id AND m.purpose = s.purpose)
ORDER BY s.at, k.risk_id
LIMIT %(limit)s
