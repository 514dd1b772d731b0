-- The daily rollup by fleet day (plain PostgreSQL): a day runs from 05:00 to 05:00 China Standard Time (21:00 UTC),
-- labelled with its date (as midnight UTC of that date, the same type as before). UTC days put a car's evening and
-- its next morning in one row (08:00-08:00 local time in China), so the rules read a mix of two days (the cold
-- morning after a cold snap, the warm one after it ended); 05:00 Beijing time lies in every car's quiet hours, also
-- for cars in Xinjiang that keep local (UTC+6) time. See core/sql/refresh_daily.postgres.sql.
-- The rows rolled up by UTC day are dropped: forgetting the detection watermark makes the next detection pass a
-- full refresh (over its lookback window), which rebuilds them by fleet day.
DELETE FROM telemetry_daily;

DELETE FROM detection_watermark;

COMMENT ON COLUMN telemetry_daily.day IS
    'fleet day: 05:00 to 05:00 China Standard Time (21:00 UTC), labelled with its date as midnight UTC';
