-- Lock one due push (skipped when another notify holds it) with its subscription and the JSON body to send:
-- the event envelope around the suggestion in the feed's SuggestedBooking shape (its state when sent).
SELECT d.id, d.attempts, w.url, w.secret,
       json_build_object(
           'event_id', d.event_id,
           'type', 'booking_suggestion.created',
           'center_id', b.center_id,
           'created_at', btrim(to_json(d.created_at AT TIME ZONE 'UTC')::text, '"') || 'Z',
           'data', json_build_object(
               'id', b.id, 'rank', b.rank, 'status', b.status,
               'risk', json_build_object(
                   'id', r.id, 'kind', r.kind, 'severity', r.severity, 'confidence', r.confidence,
                   'diagnosis', r.diagnosis, 'predicted_date', r.predicted_date, 'predicted_low', r.predicted_low,
                   'predicted_high', r.predicted_high, 'evidence', r.evidence),
               'vehicle', json_build_object('vin', v.vin, 'model', v.model, 'powertrain', v.powertrain),
               'customer', json_build_object('name', c.name, 'segment', c.segment, 'locale', c.locale),
               'slot_start', btrim(to_json(b.slot_start AT TIME ZONE 'UTC')::text, '"') || 'Z',
               'slot_end', btrim(to_json(b.slot_end AT TIME ZONE 'UTC')::text, '"') || 'Z',
               'technician', json_build_object('id', t.id, 'name', t.name),
               'parts', b.parts, 'deadline', b.deadline, 'distance_km', b.distance_km, 'reason', b.reason,
               'created_at', btrim(to_json(b.created_at AT TIME ZONE 'UTC')::text, '"') || 'Z'
           )
       )::text AS body,
       d.event_id::text AS event_id
FROM webhook_delivery d
JOIN center_webhook w ON w.id = d.webhook_id
JOIN booking_suggestion b ON b.id = d.suggestion_id
JOIN risk r ON r.id = b.risk_id
JOIN vehicle v ON v.id = b.vehicle_id
JOIN customer c ON c.id = v.customer_id
JOIN technician t ON t.id = b.technician_id
WHERE d.id = %(id)s AND d.status = 'pending' AND w.revoked_at IS NULL
FOR UPDATE OF d SKIP LOCKED
