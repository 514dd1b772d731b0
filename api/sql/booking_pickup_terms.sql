-- What an owner's pickup request on one booking option is checked against: the option's slot and estimate, and
-- its center's location, time zone and pickup settings.
SELECT b.slot_start, b.slot_end, b.estimate, sc.lat_deg, sc.lon_deg, sc.tz, sc.pickup_offered, sc.pickup_radius_km,
       sc.pickup_fee, sc.pickup_windows
FROM booking_suggestion b
JOIN service_center sc ON sc.id = b.center_id
WHERE b.id = %(booking_id)s
