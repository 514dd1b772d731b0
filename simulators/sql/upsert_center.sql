-- One service center by its stable code; returns its id.
INSERT INTO service_center (code, name, city, region, lat_deg, lon_deg, tz, opening_hours, brands)
VALUES (%(code)s, %(name)s, %(city)s, %(region)s, %(lat_deg)s, %(lon_deg)s, %(tz)s, %(opening_hours)s, %(brands)s)
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, city = EXCLUDED.city, region = EXCLUDED.region, lat_deg = EXCLUDED.lat_deg,
    lon_deg = EXCLUDED.lon_deg, tz = EXCLUDED.tz, opening_hours = EXCLUDED.opening_hours, brands = EXCLUDED.brands
RETURNING id;
