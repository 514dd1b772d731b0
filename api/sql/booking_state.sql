SELECT b.id, b.risk_id, b.status, b.center_id, b.technician_id, b.slot_start, b.slot_end, b.parts,
       b.accepted_at, b.accepted_by, coalesce(k.stage, 'detected') AS stage, k.outcome, k.parts_used,
       coalesce(k.muted, false) AS muted, b.estimate,
       k.checked_in_at, k.work_started_at,
       CASE WHEN b.pickup_at IS NOT NULL THEN jsonb_build_object(
           'address', b.pickup_address, 'lat', b.pickup_lat, 'lon', b.pickup_lon,
           'distance_km', b.pickup_distance_km, 'pickup_at', b.pickup_at, 'delivery_at', b.delivery_at) END AS pickup
FROM booking_suggestion b
LEFT JOIN care_case k ON k.risk_id = b.risk_id
WHERE b.id = %(booking_id)s
