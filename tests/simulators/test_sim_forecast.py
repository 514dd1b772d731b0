"""simulators.forecast: the simulator's own forecast, a calibrated forecast of its climate."""

from __future__ import annotations

import math
import statistics
from datetime import date, timedelta

import pytest

from domain.forecast import anomaly_correlation
from simulators.climate import REGIONS, Climate, seasonal_mean_c
from simulators.forecast import SimulatedForecast, error_sd, issued_forecasts

CLIMATE = Climate(seed=7)
FIRST = date(2025, 10, 1)


def _sample(region: str, *, leads: tuple[int, ...], every: int = 20, issues: int = 150) -> dict[int, list]:
    """Return (forecast anomaly, true anomaly) pairs per lead for issue days `every` days apart."""
    source, out = SimulatedForecast(CLIMATE), {lead: [] for lead in leads}
    for offset in range(0, issues * every, every):
        got = source.daily(region, issued=FIRST + timedelta(days=offset), horizon_days=max(leads))
        for lead in leads:
            day = got.days[lead - 1]
            normal = seasonal_mean_c(REGIONS[region], day.day)
            out[lead].append((day.mean_c - normal, CLIMATE.weather(region, day.day).mean_c - normal))
    return out


@pytest.mark.parametrize("region", ["harbin", "guangzhou"])
def test_the_error_grows_with_the_lead_but_never_beyond_the_climates_own_spread(region):
    spread = REGIONS[region].noise_c
    pairs = _sample(region, leads=tuple(range(1, 11)))
    sds = [statistics.pstdev([f - a for f, a in pairs[lead]]) for lead in range(1, 11)]
    for lead, sd in enumerate(sds, start=1):
        assert sd == pytest.approx(error_sd(lead, climate_sd_c=spread), rel=0.2, abs=0.05)
    assert sds[0] < sds[4] < sds[-1] < spread  # ten days out it still errs less than "the season's normal"
    assert abs(statistics.fmean(f - a for f, a in pairs[10])) < 0.35 * spread  # unbiased


def test_the_forecast_is_calibrated_a_damped_estimate_of_the_true_anomaly():
    pairs = _sample("harbin", leads=(2, 7, 10), issues=300, every=7)
    for lead in (7, 10):
        fc, truth = [f for f, _ in pairs[lead]], [a for _, a in pairs[lead]]
        err = [f - a for f, a in pairs[lead]]
        # its anomaly correlates with the truth as the verification says, and its error is not predictable from it
        assert statistics.correlation(fc, truth) == pytest.approx(anomaly_correlation(lead), abs=0.08)
        assert abs(statistics.correlation(fc, err)) < 0.12
        # damped: it varies less than the weather does, by r (a raw truth-plus-noise forecast varies more)
        assert statistics.pstdev(fc) < statistics.pstdev(truth)
    assert statistics.pstdev([f for f, _ in pairs[10]]) < statistics.pstdev([f for f, _ in pairs[2]])


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
        for region in ("harbin", "beijing", "urumqi"):  # the same spread: the errors pool
            issued = FIRST + timedelta(days=offset)
            a = source.errors(region, issued=issued, horizon_days=5)
            b = source.errors(region, issued=issued + timedelta(days=1), horizon_days=4)
            older.append(a[4])
            newer.append(b[3])
            same.append((a[2], a[3]))
    # an update: the newer error is the older one less what was learned, which is independent of the newer error
    r4, r5 = anomaly_correlation(4), anomaly_correlation(5)
    assert statistics.correlation(older, newer) == pytest.approx(
        math.sqrt((1 - r4**2) / (1 - r5**2)), abs=0.06
    )
    revision = [o - n for o, n in zip(older, newer, strict=True)]
    assert abs(statistics.correlation(revision, newer)) < 0.08
    assert statistics.pstdev(older) > statistics.pstdev(newer)
    lead = statistics.correlation([x for x, _ in same], [y for _, y in same])
    assert lead > 0.25  # a forecast too warm on day 3 is likely too warm on day 4 (0.39 here)
