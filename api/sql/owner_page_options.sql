-- The risk's options offered to this owner: live ones still ahead and the accepted one (whatever its time), with
-- the center's name and time zone. `estimate` is the price shown before booking where migration 0033 added it (else null).
SELECT b.id, b.rank, b.status, b.slot_start, b.slot_end, b.distance_km, b.parts,
       to_jsonb(b) -> 'estimate' AS estimate,
       sc.name AS center_name, sc.city, sc.tz, t.name AS technician_name
FROM booking_suggestion b
JOIN service_center sc ON sc.id = b.center_id
JOIN technician t ON t.id = b.technician_id
WHERE b.risk_id = %(risk_id)s AND b.vehicle_id = %(vehicle_id)s AND b.customer_id = %(customer_id)s
  AND (b.status = 'accepted' OR (b.status = 'suggested' AND b.slot_start > %(now)s))
ORDER BY b.status = 'accepted' DESC, b.slot_start, b.id
