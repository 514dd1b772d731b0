-- The owner's pickup and delivery on an option being accepted, and the estimate with the pickup fee in it.
UPDATE booking_suggestion
SET pickup_address = %(address)s, pickup_lat = %(lat)s, pickup_lon = %(lon)s, pickup_at = %(pickup_at)s,
    delivery_at = %(delivery_at)s, pickup_distance_km = %(distance_km)s, estimate = %(estimate)s
WHERE id = %(booking_id)s
