SELECT id, name, city, region, lat_deg, lon_deg, tz, opening_hours
FROM service_center
ORDER BY id
