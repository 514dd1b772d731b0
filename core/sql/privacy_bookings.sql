-- Booking options offered to the person, what became of them, and the pickup they asked for.
SELECT b.id, v.vin, b.risk_id, sc.code AS center, b.rank, b.slot_start, b.slot_end, b.status, b.accepted_at,
       b.accepted_by, b.created_at, b.pickup_at, b.pickup_address, b.pickup_lat, b.pickup_lon,
       b.delivery_at
FROM booking_suggestion b
JOIN vehicle v ON v.id = b.vehicle_id
JOIN service_center sc ON sc.id = b.center_id
WHERE b.customer_id = %(customer_id)s
ORDER BY b.id
