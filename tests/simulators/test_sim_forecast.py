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
    for offset in range(0, 150 * 20, 20):  # issue days 20 days apart: successive forecasts err alike
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


def test_successive_forecasts_of_a_day_err_alike_as_updates_of_one_another():
    source = SimulatedForecast(CLIMATE)
    older: list[float] = []  # the error of the forecast of a day 5 days ahead
    newer: list[float] = []  # the error of the next day's forecast of the same day (4 days ahead)
    same: list[tuple[float, float]] = []  # one forecast's errors 3 and 4 days ahead
    for offset in range(0, 400 * 3, 3):
        for region in REGIONS:
            issued = FIRST + timedelta(days=offset)
            a = source.errors(region, issued=issued, horizon_days=5)
            b = source.errors(region, issued=issued + timedelta(days=1), horizon_days=4)
            older.append(a[4])
            newer.append(b[3])
            same.append((a[2], a[3]))
    # an update: the newer error is the older one less what was learned, correlated by error_sd(4) / error_sd(5)
    assert statistics.correlation(older, newer) == pytest.approx(error_sd(4) / error_sd(5), abs=0.05)
    # what was learned is independent of the newer error: the older one errs more
    assert statistics.pstdev(older) > statistics.pstdev(newer)
    lead = statistics.correlation([x for x, _ in same], [y for _, y in same])
    assert lead == pytest.approx(0.8 * error_sd(3) / error_sd(4), abs=0.05)
