"""The SOH trend (domain/soh_trend.py): the fit, the projection to the threshold, and that the EV battery rule and
the owner's chart, both built on it, give the same end of life for the same readings and threshold."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from api.views.soh_forecast import fit_soh
from detection.groups import cars
from detection.rules import ev_battery
from domain.soh_trend import (
    DEFAULT_THRESHOLD_PCT,
    Projection,
    SohTrend,
    day_axes,
    fit_trend,
    project,
)
from domain.trend import LinearFit
from tests.detection.conftest import build_daily

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
NOISE = np.random.default_rng(7).uniform(-0.3, 0.3, 400)  # the simulator's ±0.3 % daily noise


def fade(start: float, per_year: float, days: int) -> np.ndarray:
    """Daily SOH fading linearly from `start` by `per_year` percentage points a year, plus noise."""
    return start - per_year / 365 * np.arange(days) + NOISE[:days]


def trend(*, slope, low, high, sigma=0.0, level=82.0, age_days=0.0, confidence=0.9) -> SohTrend:
    fit = LinearFit(slope=slope, intercept=0.0, slope_low=low, slope_high=high, n=52, residual_sigma=sigma)
    return SohTrend(fit=fit, level=level, age_days=age_days, confidence=confidence)


FALLING = {"slope": -0.01, "low": -0.02, "high": -0.005}  # 2 points above 80 % at level 82: 200 days


@pytest.mark.parametrize(
    ("case", "t", "threshold", "recalibrated", "expected"),
    [
        ("2 points at 0.01/day", trend(**FALLING), 80.0, (0, 0), (200, 100, 400)),
        ("quiet for 50 days", trend(**FALLING, age_days=50), 80.0, (0, 0), (150, 50, 350)),
        ("a higher threshold is sooner", trend(**FALLING), 81.0, (0, 0), (100, 50, 200)),
        ("not falling", trend(slope=0.0, low=-0.01, high=0.01), 80.0, (0, 0), (None, None, None)),
        ("shallow end flat", trend(slope=-0.01, low=-0.02, high=0.0), 80.0, (0, 0), (200, 100, None)),
        ("already below", trend(**FALLING, level=79.0), 80.0, (0, 0), (0, 0, 0)),
        # z = 1.645 at 90 %: the level's error moves both ends; a recalibration step moves one
        ("level error", trend(**FALLING, sigma=0.5), 80.0, (0, 0), (200, 58.9, 564.5)),
        ("step up undone", trend(**FALLING), 80.0, (1.0, 0), (200, 50, 400)),
        ("step down undone", trend(**FALLING), 80.0, (0, 1.0), (200, 100, 600)),
    ],
)
def test_projection_to_the_threshold(case, t, threshold, recalibrated, expected):
    proj = project(t, threshold=threshold, recalibrated=recalibrated)
    got = (proj.days, proj.days_low, proj.days_high)
    assert got == pytest.approx(expected, abs=0.1) if expected[0] is not None else got == expected, case


@pytest.mark.parametrize("sigma", [0.0, 0.4])
@pytest.mark.parametrize("age_days", [0.0, 30.0])
def test_the_line_and_band_cross_the_threshold_where_the_projection_says(sigma, age_days):
    t = trend(**FALLING, sigma=sigma, age_days=age_days)
    proj = project(t, threshold=80.0)
    assert isinstance(proj, Projection)
    expected, low, high = (t.at(x)[i] for i, x in enumerate((proj.days, proj.days_low, proj.days_high)))
    assert (expected, low, high) == pytest.approx((80.0, 80.0, 80.0))
    e, lo, hi = t.at(100.0)
    assert lo <= e <= hi


@pytest.mark.parametrize(
    ("case", "per_year", "days", "gap"),
    [
        ("slow fade, a year", 2.0, 365, 0),
        ("fast fade, a year", 5.0, 365, 0),
        ("fast fade, six weeks", 15.0, 45, 0),
        ("quiet for 20 days", 3.0, 200, 20),
    ],
)
def test_fit_recovers_the_fade_and_the_level(case, per_year, days, gap):
    soh = fade(88.0, per_year, days)
    last = date(2026, 1, 15) - timedelta(days=gap)
    age, x = day_axes([last - timedelta(days=days - 1 - i) for i in range(days)], now=NOW)
    t = fit_trend(age, x, soh)
    assert t is not None, case
    assert t.fit.slope * 365 == pytest.approx(-per_year, abs=0.25 * per_year), case
    assert t.fit.slope_low <= t.fit.slope <= t.fit.slope_high, case
    assert t.level == pytest.approx(float(np.median(soh[-7:]))), case
    assert t.age_days == pytest.approx(gap + 2.5 + 9.5 / 24), case  # noon of the last week's middle day


def test_too_few_weekly_bins_give_no_trend():
    age, x = day_axes([date(2026, 1, 15) - timedelta(days=i) for i in (4, 3, 2, 1, 0)], now=NOW)
    assert fit_trend(age, x, np.full(5, 90.0)) is None  # one week: one bin


@pytest.mark.parametrize("hour", [0, 9, 23])
@pytest.mark.parametrize("naive", [False, True])
def test_day_axes_are_the_rules(hour, naive):
    now = NOW.replace(hour=hour, tzinfo=None if naive else UTC)  # naive = UTC, as detection.frame reads it
    frame = build_daily(1, days=40, end=NOW, powertrain="EV", hv_soh_avg=fade(90.0, 2.0, 40))
    car = next(cars(frame, now=now, columns=("hv_soh_avg",)))
    age, x = day_axes([d.date() for d in frame["day"]], now=now)
    assert (age == car.age).all() and (x == car.x).all()


AGREEMENT = [
    # (case, start %, fade %/year, days of readings, days quiet, threshold %)
    ("fast fade", 87.0, 5.0, 365, 0, 80.0),
    ("fast fade, threshold 81", 87.0, 5.0, 365, 0, 81.0),
    ("crossed a few days ago", 87.0, 5.0, 365, 0, 82.2),
    ("slow fade, threshold 85", 88.0, 2.0, 365, 0, 85.0),
    ("six weeks of a failing pack", 84.0, 15.0, 45, 0, 80.0),
    ("a car gone quiet", 87.0, 5.0, 300, 40, 80.0),
    ("a slow fade years out", 90.0, 2.0, 365, 0, DEFAULT_THRESHOLD_PCT),
]


def rule_and_chart(start, per_year, days, gap, threshold):
    """Return the rule's predicted date and the chart's crossing date for the same readings and threshold."""
    frame = build_daily(
        1, days=days, end=NOW - timedelta(days=gap), powertrain="EV", hv_soh_avg=fade(start, per_year, days)
    )
    # A far horizon and no late-end condition: the rule gives its date whenever the fade crosses at all.
    params = ev_battery.Params(threshold_pct=threshold, horizon_days=20 * 365, sure_within_horizon=False)
    (flag,) = ev_battery.evaluate(frame, now=NOW, params=params).flags
    points = [(d.date(), float(v)) for d, v in zip(frame["day"], frame["hv_soh_avg"], strict=True)]
    chart = fit_soh(points, now=NOW)
    assert chart is not None
    days_ahead = project(chart.trend, threshold=threshold).days
    # The chart's trend line (SohForecast.at, what api/views/soh_chart.py draws) meets the threshold there (or already has).
    line = chart.at(days_ahead - chart.last_x)[0]
    assert line == pytest.approx(threshold) if days_ahead > 0 else line <= threshold
    return flag.predicted_date, (NOW + timedelta(days=days_ahead)).date()


@pytest.mark.parametrize(("case", "start", "per_year", "days", "gap", "threshold"), AGREEMENT)
def test_the_chart_and_the_rule_give_the_same_end_of_life(case, start, per_year, days, gap, threshold):
    rule, chart = rule_and_chart(start, per_year, days, gap, threshold)
    assert rule == chart, case


@pytest.mark.parametrize(("case", "start", "per_year", "days", "gap", "_"), AGREEMENT)
def test_a_changed_threshold_moves_both(case, start, per_year, days, gap, _):
    at_80 = rule_and_chart(start, per_year, days, gap, 80.0)
    at_78 = rule_and_chart(start, per_year, days, gap, 78.0)
    assert at_80[0] == at_80[1] and at_78[0] == at_78[1], case
    assert at_78[0] > at_80[0], case


def test_recoveries_widen_the_band_and_leave_the_fit_alone():
    days = 200
    soh = fade(90.0, 5.0, days)
    age, x = day_axes([date(2026, 1, 15) - timedelta(days=days - 1 - i) for i in range(days)], now=NOW)
    plain = fit_trend(age, x, soh, spread=0.0)  # the band of the fit alone, without the horizon spread
    recovering = soh.copy()
    for start in (60, 130):  # a cell's regeneration: +3 points after a rest, falling back within 10 days
        recovering[start : start + 10] += np.linspace(3.0, 0.0, 10)
    regen = fit_trend(age, x, recovering, spread=0.0)
    assert plain is not None and regen is not None
    # the daily noise stays below 2 points: no recovery, the band of before
    assert plain.regeneration == 0.0 and plain.fall is None
    assert regen.regeneration == pytest.approx(3.0, abs=0.6)
    # the fall-back after a recovery is steeper than the fade
    assert regen.fall is not None and regen.fall < regen.fit.slope < 0
    assert regen.fit.slope == pytest.approx(plain.fit.slope, rel=0.1)  # weekly medians ride over the bumps
    p, r = project(plain, threshold=80.0), project(regen, threshold=80.0)
    assert r.days == pytest.approx(p.days, rel=0.1)
    assert r.days_low < p.days_low and r.days_high > p.days_high
    e, lo, hi = regen.at(100.0)
    assert lo <= e <= hi


def combined(*, spread: float, age_days: float = 0.0) -> SohTrend:
    """The trend of FALLING combined with an exponential fade from the same level that falls half as fast."""
    fit = LinearFit(slope=-0.01, intercept=0.0, slope_low=-0.011, slope_high=-0.009, n=52, residual_sigma=0.0)
    return SohTrend(fit=fit, level=82.0, age_days=age_days, confidence=0.9, log_level=math.log(82.0),
                    log_rate=-0.005 / 82.0, spread=spread)  # fmt: skip


@pytest.mark.parametrize("age_days", [0.0, 30.0])
def test_the_forecast_is_the_mean_of_the_trend_and_the_exponential_fade(age_days):
    t = combined(spread=0.0, age_days=age_days)
    proj = project(t, threshold=80.0)
    assert proj.days is not None
    ahead = proj.days + age_days
    line, fade_ = 82.0 - 0.01 * ahead, 82.0 * math.exp(-0.005 / 82.0 * ahead)
    assert 0.5 * (line + fade_) == pytest.approx(80.0)
    assert 200.0 < ahead < 400.0  # between the trend's 200 days and the fade's ~400
    assert t.at(proj.days)[0] == pytest.approx(80.0)


@pytest.mark.parametrize("spread", [0.5, 0.7])  # wider than the slope interval alone (-0.011, -0.009)
def test_the_spread_widens_the_band_with_the_distance_to_the_crossing(spread):
    narrow = project(combined(spread=0.0), threshold=80.0)
    t = combined(spread=spread)
    proj = project(t, threshold=80.0)
    assert proj.days == pytest.approx(narrow.days)
    assert (proj.days_low, proj.days_high) == pytest.approx(
        ((1 - spread) * proj.days, (1 + spread) * proj.days)
    )
    # the chart's band (SohTrend.at) meets the threshold on the same days
    assert t.at(proj.days_low)[1] == pytest.approx(80.0) and t.at(proj.days_high)[2] == pytest.approx(80.0)


def test_the_chart_undoes_a_recalibration_step_as_the_rule_does():
    days = 300
    soh = fade(87.0, 5.0, days)
    soh[200:] -= 2.0  # a firmware update recalibrates the reported SOH two points down
    frame = build_daily(1, days=days, end=NOW, powertrain="EV", hv_soh_avg=soh)
    params = ev_battery.Params(horizon_days=20 * 365, sure_within_horizon=False)
    (flag,) = ev_battery.evaluate(frame, now=NOW, params=params).flags
    assert [s.step_pct for s in flag.evidence.level_shifts] == [pytest.approx(-2.0, abs=0.3)]
    points = [(d.date(), float(v)) for d, v in zip(frame["day"], frame["hv_soh_avg"], strict=True)]
    chart = fit_soh(points, now=NOW)
    assert chart is not None
    days_ahead = project(chart.trend, threshold=80.0).days
    assert (NOW + timedelta(days=days_ahead)).date() == flag.predicted_date
    assert chart.slope_per_year == pytest.approx(-5.0, abs=1.0)  # the step is not read as a steeper fade


def test_the_exponential_fade_joins_only_when_it_can_be_fitted():
    days = 200
    age, x = day_axes([date(2026, 1, 15) - timedelta(days=days - 1 - i) for i in range(days)], now=NOW)
    soh = fade(90.0, 5.0, days)
    both, alone = fit_trend(age, x, soh), fit_trend(age, x, soh, combine=False)
    assert both is not None and alone is not None
    assert both.log_level is not None and both.log_rate * 365 == pytest.approx(-5.0 / 87.5, rel=0.1)
    assert alone.log_level is None and alone.path(100.0) == pytest.approx(
        alone.level + alone.fit.slope * 100.0
    )
    broken = soh.copy()
    broken[10] = 0.0  # no log: the trend alone
    only = fit_trend(age, x, broken)
    assert only is not None and only.log_level is None
    with pytest.raises(ValueError, match="spread"):
        fit_trend(age, x, soh, spread=1.0)
