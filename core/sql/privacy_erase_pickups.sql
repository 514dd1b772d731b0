-- Pickup addresses and positions the person gave on their bookings (where they live or work) go; the pickup
-- times stay with the booking (the center's history). Returns the bookings changed.
UPDATE booking_suggestion b
SET pickup_address = '(erased)', pickup_lat = NULL, pickup_lon = NULL
WHERE b.customer_id = %(customer_id)s AND b.pickup_at IS NOT NULL
  AND (b.pickup_address <> '(erased)' OR b.pickup_lat IS NOT NULL OR b.pickup_lon IS NOT NULL)
RETURNING b.id
