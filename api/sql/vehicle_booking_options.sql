-- Live booking options and booked visits of a vehicle that have not ended yet, soonest first; only those offered to
-- this owner (after a resale, not the previous owner's); with the price estimate and the pickup, if any.
SELECT b.id, b.rank, b.status, b.slot_start, b.slot_end, b.deadline, b.distance_km, b.parts,
       r.kind, t.name AS technician_name, b.estimate,
       CASE WHEN b.pickup_at IS NOT NULL THEN jsonb_build_object(
           'address', b.pickup_address, 'lat', b.pickup_lat, 'lon', b.pickup_lon,
           'distance_km', b.pickup_distance_km, 'pickup_at', b.pickup_at, 'delivery_at', b.delivery_at) END AS pickup,
       jsonb_build_object('id', sc.id, 'name', sc.name, 'city', sc.city) AS center
FROM booking_suggestion b
JOIN risk r ON r.id = b.risk_id
JOIN service_center sc ON sc.id = b.center_id
JOIN technician t ON t.id = b.technician_id
WHERE b.vehicle_id = %(vehicle_id)s
  AND b.customer_id = %(customer_id)s
  AND b.status IN ('suggested', 'accepted')
  AND b.slot_end > %(now)s
ORDER BY b.slot_start, b.id
