-- A vehicle's open and resolved risks, newest first, each with the owner's care messages and its booking options.
SELECT r.id, r.kind, r.severity, r.confidence, r.diagnosis, r.predicted_date, r.predicted_low, r.predicted_high,
       r.evidence, r.status, r.first_seen_at, r.last_seen_at, r.resolved_at,
       coalesce((
           SELECT jsonb_agg(jsonb_build_object(
                      'purpose', m.purpose, 'locale', m.locale, 'subject', m.subject, 'body', m.body,
                      'created_at', m.created_at) ORDER BY m.id)
           FROM care_message m
           WHERE m.risk_id = r.id AND m.customer_id = %(customer_id)s
       ), '[]'::jsonb) AS messages,
       coalesce((
           SELECT jsonb_agg(jsonb_build_object(
                      'id', b.id, 'rank', b.rank, 'status', b.status,
                      'center', jsonb_build_object('id', sc.id, 'name', sc.name, 'city', sc.city),
                      'slot_start', b.slot_start, 'slot_end', b.slot_end, 'technician_name', t.name,
                      'parts', b.parts, 'deadline', b.deadline, 'distance_km', b.distance_km,
                      'estimate', b.estimate,
                      'pickup', CASE WHEN b.pickup_at IS NOT NULL THEN jsonb_build_object(
                          'address', b.pickup_address, 'lat', b.pickup_lat, 'lon', b.pickup_lon,
                          'distance_km', b.pickup_distance_km, 'pickup_at', b.pickup_at,
                          'delivery_at', b.delivery_at) END) ORDER BY b.rank, b.id)
           FROM booking_suggestion b
           JOIN service_center sc ON sc.id = b.center_id
           JOIN technician t ON t.id = b.technician_id
           WHERE b.risk_id = r.id AND b.vehicle_id = r.vehicle_id AND b.customer_id = %(customer_id)s
       ), '[]'::jsonb) AS booking_options
FROM risk r
WHERE r.vehicle_id = %(vehicle_id)s AND r.status IN ('open', 'resolved')
ORDER BY r.id DESC
