-- Open cases of a center, by risk id: booked here, or not booked yet with a live option here; a booked case with
-- the estimate the owner was shown and the pickup, if any.
SELECT k.risk_id, k.stage, k.booking_id, k.muted, k.notified_at, k.booked_at, k.checked_in_at, k.serviced_at,
       k.updated_at, r.kind, r.severity, r.diagnosis, r.predicted_date,
       v.vin, v.model, v.powertrain,
       b.slot_start, b.slot_end, b.estimate,
       CASE WHEN b.pickup_at IS NOT NULL THEN jsonb_build_object(
           'address', b.pickup_address, 'lat', b.pickup_lat, 'lon', b.pickup_lon,
           'distance_km', b.pickup_distance_km, 'pickup_at', b.pickup_at, 'delivery_at', b.delivery_at) END AS pickup
FROM care_case k
JOIN risk r ON r.id = k.risk_id
JOIN vehicle v ON v.id = k.vehicle_id
LEFT JOIN booking_suggestion b ON b.id = k.booking_id
WHERE k.stage <> 'closed'
  AND k.risk_id > %(after_id)s
  AND (b.center_id = %(center_id)s
       OR (k.booking_id IS NULL AND EXISTS (
           SELECT 1 FROM booking_suggestion s
           WHERE s.risk_id = k.risk_id AND s.center_id = %(center_id)s AND s.status = 'suggested')))
ORDER BY k.risk_id
LIMIT %(limit)s
