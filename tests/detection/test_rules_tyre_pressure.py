"""tyre_pressure rule: cold under-inflation vs slow leak (temperature-corrected trend), projection, hysteresis."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.contracts import RiskKind, Severity
from detection.rules import tyre_pressure

P = tyre_pressure.Params()


def evaluate(frame, now):
    return tyre_pressure.evaluate(frame, now=now, params=P)


def test_cold_alone_is_cold_underinflation(daily, now):
    # filled at 240 kPa / 20 C; at -15 C that reads 198 kPa and stays flat once corrected
    frame = daily(1, days=21, air_temp_avg=-15.0, tire_kpa_min=198.0)
    (flag,) = evaluate(frame, now).flags
    assert flag.kind is RiskKind.TYRE_PRESSURE and flag.diagnosis == "cold_underinflation"
    assert (
        flag.severity is Severity.MEDIUM
        and flag.evidence["op"] == "<"
        and flag.evidence["threshold"] == 210.0
    )


def test_falling_with_the_weather_is_not_a_leak(daily, now):
    # cooling 0.5 C/day pulls the reading down 0.6 kPa/day (to 228 kPa); corrected it is flat at 240 kPa
    frame = daily(1, days=21, air_temp_avg=lambda i: 20.0 - 0.5 * i, tire_kpa_min=lambda i: 240.0 - 0.6 * i)
    result = evaluate(frame, now)
    assert result.flags == () and 1 in result.evaluated_vehicle_ids


def test_slow_leak_is_flagged_before_the_warning_level_with_a_date(daily, now):
    # warm and steady weather, 1.5 kPa/day lost: the 3-day median is 226.5 kPa, 200 kPa in 17.7 days
    frame = daily(1, days=21, air_temp_avg=18.0, tire_kpa_min=lambda i: 255.0 - 1.5 * i)
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "slow_leak"
    assert flag.evidence["corrected_trend_kpa_per_day"] == pytest.approx(-1.5, abs=0.05)
    assert flag.predicted_date == (now + timedelta(days=17.7)).date()


def test_leak_below_the_limit_is_high(daily, now):
    frame = daily(1, days=21, air_temp_avg=18.0, tire_kpa_min=lambda i: 225.0 - 1.5 * i)
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "slow_leak" and flag.severity is Severity.HIGH


@pytest.mark.parametrize(
    ("case", "kpa", "flagged", "evaluated"),
    [("healthy", 238.0, False, True), ("inside the band", 215.0, False, False), ("low", 205.0, True, True)],
)
def test_hysteresis(daily, now, case, kpa, flagged, evaluated):
    result = evaluate(daily(2, days=21, air_temp_avg=15.0, tire_kpa_min=kpa), now)
    assert bool(result.flags) is flagged, case
    assert (2 in result.evaluated_vehicle_ids) is evaluated, case
