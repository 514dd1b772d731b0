-- Daily temperature forecasts per region (domain.forecast): written by core.forecasts from the provider adapter
-- (core.open_meteo) or the simulator's own forecast, read by detection's seasonal rules. One row per region, issue
-- day and forecast day; re-issuing a day's forecast replaces it (the unique key makes the write idempotent).
CREATE TABLE weather_forecast (
    region      text NOT NULL,
    issued_on   date NOT NULL,
    day         date NOT NULL,
    min_c       real NOT NULL,
    max_c       real NOT NULL,
    source      text NOT NULL,
    fetched_at  timestamptz NOT NULL,
    PRIMARY KEY (region, issued_on, day),
    CHECK (day > issued_on AND day <= issued_on + 16),
    CHECK (min_c <= max_c),
    CHECK (min_c BETWEEN -80 AND 70 AND max_c BETWEEN -80 AND 70)
);
