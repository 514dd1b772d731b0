"""tyre_pressure rule: cold under-inflation vs slow leak (temperature-corrected trend), projection, hysteresis."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detection.rules import tyre_pressure
from domain.vocabulary import RiskKind, Severity

P = tyre_pressure.Params()


def evaluate(frame, now):
    return tyre_pressure.evaluate(frame, now=now, params=P)


def test_cold_alone_is_cold_underinflation(daily, now):
    # filled at 240 kPa / 20 C; at -15 C that reads 198 kPa and stays flat once corrected
    frame = daily(1, days=21, air_temp_avg=-15.0, tire_kpa_min=198.0)
    (flag,) = evaluate(frame, now).flags
    assert flag.kind is RiskKind.TYRE_PRESSURE and flag.diagnosis == "cold_underinflation"
    assert flag.severity is Severity.MEDIUM and flag.evidence.op == "<" and flag.evidence.threshold == 210.0


def test_falling_with_the_weather_is_not_a_leak(daily, now):
    # cooling 0.5 C/day pulls the reading down 0.6 kPa/day (to 228 kPa); corrected it is flat at 240 kPa
    frame = daily(1, days=21, air_temp_avg=lambda i: 20.0 - 0.5 * i, tire_kpa_min=lambda i: 240.0 - 0.6 * i)
    result = evaluate(frame, now)
    assert result.flags == () and 1 in result.evaluated_vehicle_ids


def test_slow_leak_is_flagged_before_the_warning_level_with_a_date(daily, now):
    # warm and steady weather, 1.5 kPa/day lost: the lower of the two latest readings is 225 kPa, 200 kPa in 16.7 days
    frame = daily(1, days=21, air_temp_avg=18.0, tire_kpa_min=lambda i: 255.0 - 1.5 * i)
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "slow_leak"
    assert flag.evidence.corrected_trend_kpa_per_day == pytest.approx(-1.5, abs=0.05)
    assert flag.predicted_date == (now + timedelta(days=16.7)).date()


def test_leak_below_the_limit_is_high(daily, now):
    frame = daily(1, days=21, air_temp_avg=18.0, tire_kpa_min=lambda i: 225.0 - 1.5 * i)
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "slow_leak" and flag.severity is Severity.HIGH


@pytest.mark.parametrize(
    ("case", "kpa", "flagged", "evaluated"),
    [
        ("healthy", 238.0, False, True),
        ("inside the band", 212.0, False, False),
        ("back at 215 kPa", 215.0, False, True),
        ("low", 205.0, True, True),
    ],
)
def test_hysteresis(daily, now, case, kpa, flagged, evaluated):
    result = evaluate(daily(2, days=21, air_temp_avg=15.0, tire_kpa_min=kpa), now)
    assert bool(result.flags) is flagged, case
    assert (2 in result.evaluated_vehicle_ids) is evaluated, case


def test_one_cold_morning_under_the_limit_is_flagged(daily, now):
    # a cold snap: 222 kPa for weeks, yesterday's morning 208 kPa at -2 C, today 212 kPa; the tyre is at the limit
    # until it is filled or the weather warms, so one reading under 210 kPa among the last two flags it
    kpa = [222.0] * 19 + [208.0, 212.0]
    air = [10.0] * 19 + [-2.0, 1.0]
    (flag,) = evaluate(daily(3, days=21, air_temp_avg=air, tire_kpa_min=kpa), now).flags
    assert flag.diagnosis == "cold_underinflation" and flag.evidence.pressure_kpa == 208.0


def test_the_cold_outlook_flags_a_fill_before_it_reads_low(daily, now):
    # filled 225 kPa at 20 C, the weather cooling 1 C/day to 9 C today: the tyre reads 211.8 kPa, above the warning
    # level, and will read 210 kPa at 7.5 C, which the car's own trend reaches in 1.5 days
    air = [29.0 - 1.0 * i for i in range(21)]
    frame = daily(4, days=21, air_temp_avg=air, tire_kpa_min=[225.0 + 1.2 * (t - 20.0) for t in air])
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "cold_underinflation" and flag.evidence.fill_kpa_at_20c == 225.0
    assert flag.predicted_date == (now + timedelta(days=1.5)).date()
    short = tyre_pressure.Params(outlook_days=1)
    assert tyre_pressure.evaluate(frame, now=now, params=short).flags == ()


def test_a_fill_starts_the_leak_trend_afresh(daily, now):
    # two weeks flat at 205 kPa, filled to 240 kPa a week ago and losing 1.5 kPa/day since (231 kPa today): only the
    # days since the fill count, so the leak is found (200 kPa in 20.7 days); across the fill the jump hides it
    kpa = [205.0] * 14 + [240.0 - 1.5 * i for i in range(7)]
    frame = daily(5, days=21, air_temp_avg=20.0, tire_kpa_min=kpa)
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "slow_leak"
    assert flag.evidence.corrected_trend_kpa_per_day == pytest.approx(-1.5, abs=0.01)
    never = tyre_pressure.Params(fill_jump_kpa=1000.0)
    assert tyre_pressure.evaluate(frame, now=now, params=never).flags == ()


@pytest.mark.parametrize(
    ("case", "latest", "flagged"),
    [("still at the limit", 213.0, True), ("back at 215 kPa", 216.0, False)],
)
def test_a_low_reading_this_week_counts_until_the_tyre_is_back(daily, now, case, latest, flagged):
    # 207 kPa five days ago, 212-213 kPa since: a weekly pass still sees a tyre at the limit; once it reads 215 kPa
    # again (two readings running) the cold spell is over and it is judged healthy
    kpa = [222.0] * 15 + [207.0, 212.0, 213.0, 212.0, latest, latest]
    result = evaluate(daily(6, days=21, air_temp_avg=0.0, tire_kpa_min=kpa), now)
    assert bool(result.flags) is flagged, case
    assert 6 in result.evaluated_vehicle_ids, case
