"""battery_12v rule: temperature-normalised cranking dip and resting voltage, on synthetic daily rollups."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detection.rules import battery_12v
from domain.vocabulary import RiskKind, Severity

P = battery_12v.Params()
HEALTHY = {"lv_v_min": 10.3, "air_temp_min": 20.0, "lv_v_rest_avg": 12.6}


def ramp(start: float, stop: float, days: int):
    """A straight line from `start` (oldest day) to `stop` (today)."""
    return lambda i: start + (stop - start) * i / (days - 1)


def evaluate(frame, now, **params):
    return battery_12v.evaluate(frame, now=now, params=battery_12v.Params(**params) if params else P)


@pytest.mark.parametrize(
    ("case", "powertrain", "columns"),
    [
        ("healthy at 20 C", "ICE", HEALTHY),
        # -20 C: the dip is 1.2 V lower (10.3 - 0.03 * 40 = 9.1 V) but normalises back to 10.3 V.
        (
            "healthy in Harbin at -20 C",
            "ICE",
            {"lv_v_min": 9.1, "air_temp_min": -20.0, "lv_v_rest_avg": 12.6},
        ),
        ("healthy hybrid", "HYBRID", HEALTHY),
        # An EV never cranks: its lowest voltage is a resting one, and even a low one must not read as a dip.
        ("EV with healthy rest", "EV", {"lv_v_min": 12.3, "air_temp_min": -25.0, "lv_v_rest_avg": 12.6}),
        ("EV with an odd low minimum", "EV", {"lv_v_min": 9.0, "air_temp_min": 20.0, "lv_v_rest_avg": 12.6}),
    ],
)
def test_healthy_batteries_are_evaluated_and_not_flagged(daily, now, case, powertrain, columns):
    result = evaluate(daily(1, days=30, powertrain=powertrain, **columns), now)
    assert result.flags == (), case
    assert result.evaluated_vehicle_ids == {1}, case


def test_ageing_battery_is_flagged_with_failure_date_from_the_trend(daily, now):
    # Dip falling 9.9 -> 9.3 V over 30 days at 20 C: ~0.021 V/day, 9.0 V in ~15 days.
    frame = daily(7, days=30, lv_v_min=ramp(9.9, 9.3, 30), air_temp_min=20.0, lv_v_rest_avg=12.6)
    (flag,) = evaluate(frame, now).flags
    assert flag.kind is RiskKind.BATTERY_12V and flag.vehicle_id == 7
    assert flag.diagnosis == "high_internal_resistance"
    assert flag.severity is Severity.HIGH
    days = (flag.predicted_date - now.date()).days
    assert 12 <= days <= 17
    ev = flag.evidence
    assert ev.threshold == 9.6 and ev.failure_at == 9.0
    assert ev.trend_per_day == pytest.approx(-0.6 / 29, rel=0.05)
    assert [r.day for r in ev.readings] == [now.date() - timedelta(days=d) for d in (2, 1, 0)]
    assert all(r.signal == "Vehicle.LowVoltageBattery.CurrentVoltage" and r.op == "<" for r in ev.readings)
    assert "also" not in ev.to_json()
    assert 0 < flag.confidence <= 1


def test_cold_weak_battery_is_flagged_after_normalisation(daily, now):
    # 8.2 V at -25 C normalises to 8.2 + 0.03 * 45 = 9.55 V: weak, though a healthy one would read 8.95 V there.
    frame = daily(2, days=10, lv_v_min=8.2, air_temp_min=-25.0, lv_v_rest_avg=12.5)
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "high_internal_resistance"
    reading = flag.evidence.readings[-1]
    assert reading.value == pytest.approx(9.55) and reading.raw_value == pytest.approx(8.2)
    assert reading.air_temp_c == -25.0
    # A flat trend gives no failure date: medium severity, no predicted date.
    assert flag.severity is Severity.MEDIUM and flag.predicted_date is None


def test_dip_at_failure_level_is_critical(daily, now):
    frame = daily(3, days=20, lv_v_min=ramp(9.3, 8.95, 20), air_temp_min=20.0, lv_v_rest_avg=12.5)
    (flag,) = evaluate(frame, now).flags
    assert flag.severity is Severity.CRITICAL
    assert flag.predicted_date == now.date()


def test_low_state_of_charge_from_resting_voltage(daily, now):
    # Rest falling 12.5 -> 12.05 V over 30 days: 11.9 V in ~10 days.
    frame = daily(
        4, days=30, powertrain="EV", lv_v_min=12.0, air_temp_min=5.0, lv_v_rest_avg=ramp(12.5, 12.05, 30)
    )
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "low_state_of_charge"
    assert flag.severity is Severity.HIGH
    assert 7 <= (flag.predicted_date - now.date()).days <= 12
    assert flag.evidence.threshold == 12.2


def test_both_diagnoses_give_one_flag_with_the_more_urgent_first(daily, now):
    frame = daily(5, days=30, lv_v_min=9.4, air_temp_min=20.0, lv_v_rest_avg=ramp(12.3, 12.0, 30))
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "low_state_of_charge"
    assert [other.diagnosis for other in flag.evidence.also] == ["high_internal_resistance"]


@pytest.mark.parametrize(
    ("case", "days", "powertrain", "columns"),
    [
        ("two days only", 2, "ICE", HEALTHY),
        ("no resting samples", 30, "ICE", {"lv_v_min": 10.3, "air_temp_min": 20.0}),
        # A combustion car that was not started this week: no cranking days, the crank check cannot judge it.
        ("no cranking days", 30, "ICE", {"lv_v_min": 12.4, "air_temp_min": 20.0, "lv_v_rest_avg": 12.6}),
        ("no cranking temperature", 30, "ICE", {"lv_v_min": 10.3, "lv_v_rest_avg": 12.6}),
    ],
)
def test_too_little_data_is_not_evaluated(daily, now, case, days, powertrain, columns):
    result = evaluate(daily(1, days=days, powertrain=powertrain, **columns), now)
    assert result.evaluated_vehicle_ids == frozenset(), case
    assert result.flags == (), case


def test_rows_after_now_are_ignored(daily, now):
    frame = daily(
        1,
        days=20,
        end=now + timedelta(days=5),
        lv_v_min=lambda i: 10.3 if i < 15 else 8.5,
        air_temp_min=20.0,
        lv_v_rest_avg=12.6,
    )
    result = evaluate(frame, now)
    assert result.flags == () and result.evaluated_vehicle_ids == {1}


def test_old_days_outside_the_recent_window_do_not_count(daily, now):
    frame = daily(1, days=30, end=now - timedelta(days=10), **HEALTHY)
    assert evaluate(frame, now).evaluated_vehicle_ids == frozenset()


def test_several_vehicles_are_judged_independently(daily, concat, now):
    frame = concat(
        daily(1, days=30, **HEALTHY),
        daily(2, days=30, lv_v_min=9.3, air_temp_min=20.0, lv_v_rest_avg=12.6),
        daily(3, days=2, **HEALTHY),
    )
    result = evaluate(frame, now)
    assert [f.vehicle_id for f in result.flags] == [2]
    assert result.evaluated_vehicle_ids == {1, 2}
    assert result.cleared_vehicle_ids == {1}


def test_thresholds_are_parameters(daily, now):
    frame = daily(1, days=30, **HEALTHY)
    assert evaluate(frame, now, crank_weak_v=10.5).flags[0].evidence.threshold == 10.5


def test_hybrid_without_recent_engine_starts_is_judged_on_rest_alone(daily, now):
    frame = daily(1, days=30, powertrain="HYBRID", lv_v_min=12.4, air_temp_min=10.0, lv_v_rest_avg=12.6)
    assert evaluate(frame, now).evaluated_vehicle_ids == {1}
    # A hybrid that did crank lately but not this week cannot be judged on its dip.
    frame = daily(1, days=30, powertrain="HYBRID", lv_v_min=lambda i: 10.3 if i < 20 else 12.4,
                  air_temp_min=10.0, lv_v_rest_avg=12.6)  # fmt: skip
    assert evaluate(frame, now).evaluated_vehicle_ids == frozenset()
