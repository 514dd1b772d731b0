-- One forecast day of one region (core.forecasts.save): a re-issued forecast replaces the stored one.
INSERT INTO weather_forecast (region, issued_on, day, min_c, max_c, source, fetched_at)
VALUES (%(region)s, %(issued_on)s, %(day)s, %(min_c)s, %(max_c)s, %(source)s, %(fetched_at)s)
ON CONFLICT (region, issued_on, day)
DO UPDATE SET min_c = EXCLUDED.min_c, max_c = EXCLUDED.max_c, source = EXCLUDED.source,
              fetched_at = EXCLUDED.fetched_at
