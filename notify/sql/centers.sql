-- Centers that take new work (a center with active = false is closed for good), with their bays and their own
-- calendar days (closed, holiday, make-up workday) over the national calendar, and their prices.
SELECT c.id, c.name, c.city, c.region, c.lat_deg, c.lon_deg, c.tz, c.opening_hours, c.bays,
       c.hourly_rate, c.tax_rate, c.prices_include_tax,
       coalesce((SELECT jsonb_object_agg(d.day::text, d.kind)
                 FROM center_calendar_day d
                 WHERE d.center_id = c.id AND d.day >= %(today)s::date - 1), '{}'::jsonb) AS calendar_days
FROM service_center c
WHERE c.active
ORDER BY c.id
