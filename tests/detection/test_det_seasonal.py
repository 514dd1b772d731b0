"""seasonal rule: winter preparation from the vehicle's own 7-day mean ambient temperature."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.contracts import RiskKind, Severity
from detection.rules import seasonal

P = seasonal.Params()


def evaluate(frame, now, params=P):
    return seasonal.evaluate(frame, now=now, params=params)


def test_cold_week_is_flagged_medium_with_the_mean_and_days(daily, now):
    frame = daily(4, days=30, powertrain="EV", air_temp_avg=lambda i: 12.0 if i < 23 else 3.0 + (i % 2))
    (flag,) = evaluate(frame, now).flags
    assert flag.kind is RiskKind.WINTER_PREP and flag.diagnosis == "winter_onset"
    assert flag.severity is Severity.MEDIUM and flag.predicted_date is None
    ev = flag.evidence
    assert ev["threshold"] == 7.0 and ev["op"] == "<" and ev["window_days"] == 7 and ev["days_used"] == 7
    assert ev["mean_c"] == pytest.approx((4 * 4 + 3 * 3) / 7, abs=0.01)
    assert [r["day"] for r in ev["readings"]] == [
        (now.date() - timedelta(days=d)).isoformat() for d in range(6, -1, -1)
    ]
    assert ev["weak_12v"] == []


@pytest.mark.parametrize(
    ("case", "battery", "diagnosis"),
    [
        ("low resting voltage", {"lv_v_min": 12.0, "lv_v_rest_avg": 12.05}, "low_state_of_charge"),
        ("weak cranking dip", {"lv_v_min": 8.0, "lv_v_rest_avg": 12.5}, "high_internal_resistance"),
    ],
)
def test_cold_week_with_a_weak_12v_battery_is_high(daily, now, case, battery, diagnosis):
    frame = daily(1, days=10, air_temp_avg=-5.0, air_temp_min=-12.0, **battery)
    (flag,) = evaluate(frame, now).flags
    assert flag.severity is Severity.HIGH, case
    assert flag.evidence["weak_12v"] == [diagnosis]


def test_cold_week_with_healthy_battery_in_the_cold_is_medium(daily, now):
    # 9.3 V at -12 C normalises to 10.26 V: a healthy battery.
    frame = daily(1, days=10, air_temp_avg=-5.0, air_temp_min=-12.0, lv_v_min=9.3, lv_v_rest_avg=12.6)
    (flag,) = evaluate(frame, now).flags
    assert flag.severity is Severity.MEDIUM


@pytest.mark.parametrize(
    ("case", "temps", "flagged", "evaluated"),
    [
        ("warm week", [15.0] * 7, False, True),
        ("five cold days of seven", [None, 2.0, 3.0, None, 1.0, 4.0, 2.0], True, True),
        ("four days of seven", [None, 2.0, None, None, 1.0, 4.0, 2.0], False, False),
        ("just above 7 C: inside the hysteresis band", [8.0] * 7, False, False),
        ("just below 7 C", [6.9] * 7, True, True),
        ("cold but long ago: no recent data", [], False, False),
    ],
)
def test_window_and_hysteresis(daily, concat, now, case, temps, flagged, evaluated):
    parts = [daily(2, days=20, end=now - timedelta(days=8), air_temp_avg=-10.0)]  # old cold days do not count
    if temps:
        parts.append(daily(2, days=7, air_temp_avg=[float("nan") if t is None else t for t in temps]))
    result = evaluate(concat(*parts), now)
    assert bool(result.flags) is flagged, case
    assert result.evaluated_vehicle_ids == ({2} if evaluated else frozenset()), case


def test_threshold_is_a_parameter(daily, now):
    frame = daily(1, days=7, air_temp_avg=9.0)
    assert evaluate(frame, now).flags == ()
    assert evaluate(frame, now, seasonal.Params(threshold_c=10.0)).flags[0].evidence["threshold"] == 10.0
