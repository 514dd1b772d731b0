-- Service centers by code, from a JSON array of rows: inserts new ones, updates changed ones, leaves identical ones
-- untouched. Returns (code, created) for each row inserted or changed.
INSERT INTO service_center AS c (code, name, address, city, region, lat_deg, lon_deg, tz, opening_hours, bays,
                                 hourly_rate, brands, active, tax_rate, prices_include_tax, pickup_offered,
                                 pickup_radius_km, pickup_fee, pickup_windows, updated_at)
SELECT r.code, r.name, r.address, r.city, r.region, r.lat_deg, r.lon_deg, r.tz, r.opening_hours, r.bays,
       r.hourly_rate, r.brands, r.active, coalesce(r.tax_rate, 0), coalesce(r.prices_include_tax, true),
       coalesce(r.pickup_offered, false), r.pickup_radius_km, r.pickup_fee, coalesce(r.pickup_windows, '[]'),
       %(now)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (
    code text, name text, address text, city text, region text, lat_deg double precision,
    lon_deg double precision, tz text, opening_hours jsonb, bays integer, hourly_rate numeric, brands text[],
    active boolean, tax_rate numeric, prices_include_tax boolean, pickup_offered boolean, pickup_radius_km real,
    pickup_fee numeric, pickup_windows jsonb
)
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, address = EXCLUDED.address, city = EXCLUDED.city, region = EXCLUDED.region,
    lat_deg = EXCLUDED.lat_deg, lon_deg = EXCLUDED.lon_deg, tz = EXCLUDED.tz, opening_hours = EXCLUDED.opening_hours,
    bays = EXCLUDED.bays, hourly_rate = EXCLUDED.hourly_rate, brands = EXCLUDED.brands, active = EXCLUDED.active,
    tax_rate = EXCLUDED.tax_rate, prices_include_tax = EXCLUDED.prices_include_tax,
    pickup_offered = EXCLUDED.pickup_offered, pickup_radius_km = EXCLUDED.pickup_radius_km,
    pickup_fee = EXCLUDED.pickup_fee, pickup_windows = EXCLUDED.pickup_windows, updated_at = EXCLUDED.updated_at
WHERE (c.name, c.address, c.city, c.region, c.lat_deg, c.lon_deg, c.tz, c.opening_hours, c.bays, c.hourly_rate,
       c.brands, c.active, c.tax_rate, c.prices_include_tax, c.pickup_offered, c.pickup_radius_km, c.pickup_fee,
       c.pickup_windows)
    IS DISTINCT FROM
      (EXCLUDED.name, EXCLUDED.address, EXCLUDED.city, EXCLUDED.region, EXCLUDED.lat_deg, EXCLUDED.lon_deg,
       EXCLUDED.tz, EXCLUDED.opening_hours, EXCLUDED.bays, EXCLUDED.hourly_rate, EXCLUDED.brands, EXCLUDED.active,
       EXCLUDED.tax_rate, EXCLUDED.prices_include_tax, EXCLUDED.pickup_offered, EXCLUDED.pickup_radius_km,
       EXCLUDED.pickup_fee, EXCLUDED.pickup_windows)
RETURNING c.code, xmax = 0 AS created;
