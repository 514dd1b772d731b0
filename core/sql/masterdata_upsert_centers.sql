-- Service centers by code, from a JSON array of rows: inserts new ones, updates changed ones, leaves identical ones
-- untouched. Returns (code, created) for each row inserted or changed.
INSERT INTO service_center AS c (code, name, address, city, region, lat_deg, lon_deg, tz, opening_hours, bays,
                                 hourly_rate, brands, active, updated_at)
SELECT r.code, r.name, r.address, r.city, r.region, r.lat_deg, r.lon_deg, r.tz, r.opening_hours, r.bays,
       r.hourly_rate, r.brands, r.active, %(now)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (
    code text, name text, address text, city text, region text, lat_deg double precision,
    lon_deg double precision, tz text, opening_hours jsonb, bays integer, hourly_rate numeric, brands text[],
    active boolean
)
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, address = EXCLUDED.address, city = EXCLUDED.city, region = EXCLUDED.region,
    lat_deg = EXCLUDED.lat_deg, lon_deg = EXCLUDED.lon_deg, tz = EXCLUDED.tz, opening_hours = EXCLUDED.opening_hours,
    bays = EXCLUDED.bays, hourly_rate = EXCLUDED.hourly_rate, brands = EXCLUDED.brands, active = EXCLUDED.active,
    updated_at = EXCLUDED.updated_at
WHERE (c.name, c.address, c.city, c.region, c.lat_deg, c.lon_deg, c.tz, c.opening_hours, c.bays, c.hourly_rate,
       c.brands, c.active)
    IS DISTINCT FROM
      (EXCLUDED.name, EXCLUDED.address, EXCLUDED.city, EXCLUDED.region, EXCLUDED.lat_deg, EXCLUDED.lon_deg,
       EXCLUDED.tz, EXCLUDED.opening_hours, EXCLUDED.bays, EXCLUDED.hourly_rate, EXCLUDED.brands, EXCLUDED.active)
RETURNING c.code, xmax = 0 AS created;
