"""A detection pass reads the stored weather forecasts of its whole window: the seasonal rules verify the past
forecasts against the cars (detection.outlook.verification) before they trust today's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core import forecasts
from detection.job import run_pass
from domain.forecast import MAX_HORIZON_DAYS, DayForecast, RegionForecast

NOW = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def _forecast(issued: date, mean_c: float) -> RegionForecast:
    days = tuple(
        DayForecast(issued + timedelta(days=k), mean_c - 3.0, mean_c + 3.0)
        for k in range(1, MAX_HORIZON_DAYS + 1)
    )
    return RegionForecast("beijing", issued, days)


@pytest.mark.parametrize("history_days", [70, 2])
def test_winter_is_flagged_ahead_only_when_past_forecasts_verify(conn, fleet, days_until, pool, history_days):
    # Three cars at a steady 12 °C for 80 days; every past forecast read 11.5 °C (the cars' daily mean is ~11.5:
    # their samples miss the warm afternoon), today's forecast reads 0 °C for the next ten days.
    cars = [fleet.vehicle(region="beijing") for _ in range(3)]
    for car in cars:
        fleet.days(car, days_until(TODAY, 80), temp=12.0)
    issued = [_forecast(TODAY - timedelta(days=d), 11.5) for d in range(history_days, 0, -1)]
    forecasts.save(conn, forecasts=[*issued, _forecast(TODAY, 0.0)], source="test", now=NOW)

    report = run_pass(pool, now=NOW, refresh_days=80)

    rows = conn.execute(
        "SELECT vehicle_id, evidence->>'basis', (evidence->>'forecast_days')::int FROM risk"
        " WHERE kind = 'winter_prep' AND status = 'open' ORDER BY vehicle_id"
    ).fetchall()
    if history_days == 70:  # verified: the week ending three days ahead holds three days at 0 °C (6.6 °C)
        assert rows == [(car, "forecast", 3) for car in cars]
        assert report.kinds["winter_prep"].opened == 3
    else:  # too few verified weeks: the forecast is not trusted, and the cars' own 12 °C is no winter
        assert rows == []
