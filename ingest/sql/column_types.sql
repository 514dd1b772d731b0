-- PostgreSQL type of each telemetry column (the binary COPY needs them).
SELECT a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute AS a
WHERE a.attrelid = 'telemetry'::regclass AND a.attnum > 0 AND NOT a.attisdropped
