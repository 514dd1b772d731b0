-- Workshop visits since `since` through Carecast bookings (a serviced case), at the booking's center (one
-- center, or all when center_id is null), with the customer the car belonged to.
SELECT b.center_id, v.customer_id, k.serviced_at AS at
FROM care_case k
JOIN booking_suggestion b ON b.id = k.booking_id
JOIN vehicle v ON v.id = k.vehicle_id
WHERE k.serviced_at >= %(since)s AND (%(center_id)s::bigint IS NULL OR b.center_id = %(center_id)s::bigint)
ORDER BY k.serviced_at
