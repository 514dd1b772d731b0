"""simulators.forecast: the simulator's own forecast, its climate plus an error that grows with the lead time."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest

from simulators.climate import REGIONS, Climate
from simulators.forecast import SimulatedForecast, error_sd, issued_forecasts

CLIMATE = Climate(seed=7)
FIRST = date(2025, 10, 1)


def test_the_error_grows_with_the_lead_time_as_specified_and_as_drawn():
    assert error_sd(1) == 1.5 and error_sd(10) == 4.0
    source = SimulatedForecast(CLIMATE)
    errors: dict[int, list[float]] = {lead: [] for lead in range(1, 11)}
    for offset in range(150):
        for region in REGIONS:
            issued = FIRST + timedelta(days=offset)
            got = source.daily(region, issued=issued, horizon_days=10)
            for lead, day in enumerate(got.days, start=1):
                errors[lead].append(day.mean_c - CLIMATE.weather(region, day.day).mean_c)
    spread = [statistics.pstdev(errors[lead]) for lead in range(1, 11)]
    assert spread == sorted(spread)  # never better further ahead
    assert spread[0] == pytest.approx(1.5, abs=0.2) and spread[-1] == pytest.approx(4.0, abs=0.4)
    assert abs(statistics.fmean(errors[10])) < 0.5  # unbiased


def test_the_forecast_is_deterministic_and_keeps_the_days_range():
    a = SimulatedForecast(Climate(seed=7)).daily("harbin", issued=FIRST, horizon_days=5)
    b = SimulatedForecast(Climate(seed=7)).daily("harbin", issued=FIRST, horizon_days=5)
    assert a == b and [d.day for d in a.days] == [FIRST + timedelta(days=k) for k in range(1, 6)]
    for d in a.days:
        w = CLIMATE.weather("harbin", d.day)
        assert d.max_c - d.min_c == pytest.approx(w.max_c - w.min_c, abs=0.11)


def test_every_region_gets_a_forecast_each_day_from_the_day_before_the_first():
    got = list(issued_forecasts(CLIMATE, first=FIRST, days=3, horizon_days=2))
    assert len(got) == 4 * len(REGIONS)
    assert got[0].issued == FIRST - timedelta(days=1) and got[-1].issued == FIRST + timedelta(days=2)
