-- The forecasts issued in (start, end] (core.forecasts.load), up to `horizon` days ahead, by region and issue day.
SELECT region, issued_on, day, min_c, max_c
FROM weather_forecast
WHERE issued_on > %(start)s AND issued_on <= %(end)s AND day <= issued_on + %(horizon)s::int
ORDER BY region, issued_on, day
