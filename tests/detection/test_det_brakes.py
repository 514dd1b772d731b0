"""brakes rule: pad wear rate per km from the car's own history, projected to 80 %, on synthetic rollups."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from detection.rules import brakes
from domain.vocabulary import RiskKind, Severity

P = brakes.Params()
ODO0 = 12_000_000  # metres


def wear(start: float, per_day: float, after: int = 0):
    """Integer pad wear percent (as the car reports it) growing `per_day` from `start` from day `after` on."""
    return lambda i: math.floor(start + per_day * max(0, i - after))


def driven(km_per_day: float):
    """End-of-day odometer in metres for a car driving `km_per_day`."""
    return lambda i: ODO0 + km_per_day * 1000 * i


def evaluate(frame, now, params=P):
    return brakes.evaluate(frame, now=now, params=params)


def test_fast_wear_is_flagged_with_remaining_km_and_date(daily, now):
    # 0.45 %/day at 60 km/day = 7.5 % per 1000 km; 76 % today: 4 / 7.5 * 1000 = 533 km = 8.9 days.
    frame = daily(3, days=60, pad_wear_max=wear(50, 0.45), odometer_max_m=driven(60))
    (flag,) = evaluate(frame, now).flags
    assert flag.kind is RiskKind.BRAKE_PADS and flag.diagnosis == "pads_near_limit"
    assert flag.severity is Severity.MEDIUM
    assert flag.predicted_date == now.date() + timedelta(days=9)
    assert flag.predicted_low <= flag.predicted_date <= flag.predicted_high
    ev = flag.evidence
    assert ev.current_wear_pct == 76 and ev.threshold == 80
    assert ev.wear_per_1000km == pytest.approx(7.5, rel=0.05)
    assert ev.km_per_day == pytest.approx(60)
    assert ev.remaining_km == pytest.approx(533, rel=0.05)
    assert ev.method == "theil_sen_per_km"
    assert ev.readings[-1].to_json() == {
        "signal": "Vehicle.Chassis.Axle.*.Wheel.*.Brake.PadWear", "aggregate": "max_over_wheels",
        "day": now.date().isoformat(), "value": 76.0, "threshold": 80.0, "op": ">=",
    }  # fmt: skip


def test_wear_within_a_week_is_high(daily, now):
    (flag,) = evaluate(daily(3, days=40, pad_wear_max=wear(60, 0.5), odometer_max_m=driven(80)), now).flags
    assert flag.severity is Severity.HIGH and (flag.predicted_date - now.date()).days <= 7


@pytest.mark.parametrize(
    ("level", "severity"), [(80, Severity.HIGH), (84, Severity.HIGH), (93, Severity.CRITICAL)]
)
def test_worn_pads_are_flagged_now(daily, now, level, severity):
    (flag,) = evaluate(daily(1, days=30, pad_wear_max=level, odometer_max_m=driven(40)), now).flags
    assert flag.diagnosis == "pads_worn" and flag.severity is severity
    assert flag.predicted_date == now.date()
    assert flag.evidence.current_wear_pct == level


@pytest.mark.parametrize(
    ("case", "columns"),
    [
        ("healthy 0.07 %/day", {"pad_wear_max": wear(30, 0.07), "odometer_max_m": driven(50)}),
        # 79 % but the car stands still: no distance, no wear, no date (and no division by zero).
        ("zero distance", {"pad_wear_max": 79, "odometer_max_m": ODO0}),
        ("zero distance, rising reading", {"pad_wear_max": wear(60, 0.2), "odometer_max_m": ODO0}),
        ("replaced 20 days ago", {"pad_wear_max": lambda i: math.floor(60 + 0.45 * i) if i < 40 else 1 + (i - 40) // 10,
                                  "odometer_max_m": driven(60)}),
        ("wear 60 % rising slowly", {"pad_wear_max": wear(58, 0.05), "odometer_max_m": driven(30)}),
    ],
)  # fmt: skip
def test_not_flagged(daily, now, case, columns):
    result = evaluate(daily(1, days=60, **columns), now)
    assert result.flags == (), case
    assert result.evaluated_vehicle_ids == {1}, case


def test_zero_distance_with_worn_pads_is_still_flagged(daily, now):
    (flag,) = evaluate(daily(1, days=30, pad_wear_max=85, odometer_max_m=ODO0), now).flags
    assert flag.diagnosis == "pads_worn"
    assert flag.evidence.km_per_day == 0 and flag.evidence.remaining_km is None


def test_without_odometer_the_rate_is_per_day(daily, now):
    (flag,) = evaluate(daily(1, days=60, pad_wear_max=wear(50, 0.45)), now).flags
    assert flag.evidence.method == "theil_sen_per_day"
    assert flag.evidence.trend_per_day == pytest.approx(0.45, rel=0.05)
    assert flag.evidence.remaining_km is None


def test_history_before_a_replacement_is_ignored(daily, now):
    # Old pads wore fast (0.45 %/day); the new ones since 30 days ago wear 1 %/day from 50 %: flagged on the new rate.
    frame = daily(
        1,
        days=60,
        odometer_max_m=driven(60),
        pad_wear_max=lambda i: math.floor(65 + 0.45 * i) if i < 30 else math.floor(50 + (i - 30)),
    )
    (flag,) = evaluate(frame, now).flags
    assert flag.evidence.replaced_on == now.date() - timedelta(days=29)
    assert flag.evidence.trend_per_day == pytest.approx(1.0, rel=0.05)


@pytest.mark.parametrize("days", [1, 13])
def test_too_little_data_is_not_evaluated(daily, now, days):
    result = evaluate(daily(1, days=days, pad_wear_max=85, odometer_max_m=driven(40)), now)
    assert result.evaluated_vehicle_ids == frozenset() and result.flags == ()


def test_horizon_is_a_parameter(daily, now):
    frame = daily(
        1, days=60, pad_wear_max=wear(30, 0.35), odometer_max_m=driven(40)
    )  # 50 % today, 80 in 86 days
    assert evaluate(frame, now).flags == ()
    (flag,) = evaluate(frame, now, brakes.Params(horizon_days=100)).flags
    assert 80 <= (flag.predicted_date - now.date()).days <= 92


def test_projection_runs_from_the_last_reading(daily, now):
    # 8.9 days left at the last reading, which was 5 days ago.
    frame = daily(
        3, days=60, end=now - timedelta(days=5), pad_wear_max=wear(50, 0.45), odometer_max_m=driven(60)
    )
    (flag,) = evaluate(frame, now).flags
    assert flag.predicted_date == now.date() + timedelta(days=4)


def test_the_interval_is_fitted_only_for_cars_near_the_limit_and_is_unchanged_there(now):
    rng = np.random.default_rng(11)
    near = far = 0
    for _ in range(60):
        n = int(rng.integers(14, 90))
        i = np.arange(n, dtype="float64")
        series = brakes.Series(
            day=np.datetime64("2026-01-01") + i.astype("int64").astype("timedelta64[D]"), x=i - n,
            wear=np.floor(rng.uniform(20, 75) + rng.uniform(0.01, 0.6) * i),
            odometer_m=ODO0 + rng.uniform(10, 90) * 1000 * i,
        )  # fmt: skip
        full = brakes.wear(series, params=P)
        screened = brakes.wear(series, params=P, within_days=P.horizon_days)
        assert (screened.current, screened.per_km, screened.days) == (full.current, full.per_km, full.days)
        if full.days is not None and full.days <= P.horizon_days:
            near += 1
            assert (screened.days_low, screened.days_high) == (full.days_low, full.days_high)
        else:
            far += 1
            assert screened.days_low is None and screened.days_high is None
    assert near and far
