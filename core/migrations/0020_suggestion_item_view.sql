-- One booking suggestion as a service center sees it (the feed's SuggestedBooking item, and the `data` of a
-- webhook push), defined once: the feed page (api/sql/feed_page.sql) and the push outbox (notify/sql/push_lock.sql)
-- both select it, so the two can never drift apart. A plain view: PostgreSQL inlines it into each query.
CREATE VIEW booking_suggestion_item AS
SELECT b.id, b.center_id,
       json_build_object(
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
       ) AS item
FROM booking_suggestion b
JOIN risk r ON r.id = b.risk_id
JOIN vehicle v ON v.id = b.vehicle_id
JOIN customer c ON c.id = v.customer_id
JOIN technician t ON t.id = b.technician_id;
