-- One page of a center's suggested bookings, in id order, each row already the JSON of one SuggestedBooking.
-- The page is cut first on booking_suggestion alone (walking booking_suggestion_center_idx), then joined, so the
-- joins touch only the rows returned. Building the JSON here keeps the feed, the hot path, cheap in Python;
-- timestamps are written as RFC 3339 UTC ("...Z") like every other timestamp of the API.
WITH page AS (
    SELECT *
    FROM booking_suggestion b
    WHERE b.center_id = %(center_id)s
      AND b.id > %(after_id)s
      AND (%(status)s::text IS NULL OR b.status = %(status)s::text)
      AND (%(since)s::timestamptz IS NULL OR b.created_at >= %(since)s::timestamptz)
    ORDER BY b.id
    LIMIT %(limit)s
)
SELECT b.id, json_build_object(
           'id', b.id, 'rank', b.rank, 'status', b.status,
           'risk', json_build_object(
               'id', r.id, 'kind', r.kind, 'severity', r.severity, 'confidence', r.confidence,
               'diagnosis', r.diagnosis, 'predicted_date', r.predicted_date, 'predicted_low', r.predicted_low,
               'predicted_high', r.predicted_high, 'evidence', r.evidence),
           'vehicle', json_build_object('vin', v.vin, 'model', v.model, 'powertrain', v.powertrain),
           'customer', json_build_object('name', c.name, 'segment', c.segment, 'locale', c.locale),
           'slot_start', regexp_replace(to_char(b.slot_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                                        '\.?0+$', '') || 'Z',
           'slot_end', regexp_replace(to_char(b.slot_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                                      '\.?0+$', '') || 'Z',
           'technician', json_build_object('id', t.id, 'name', t.name),
           'parts', b.parts, 'deadline', b.deadline, 'distance_km', b.distance_km, 'reason', b.reason,
           'created_at', regexp_replace(to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                                        '\.?0+$', '') || 'Z'
       )::text AS item
FROM page b
JOIN risk r ON r.id = b.risk_id
JOIN vehicle v ON v.id = b.vehicle_id
JOIN customer c ON c.id = v.customer_id
JOIN technician t ON t.id = b.technician_id
ORDER BY b.id
