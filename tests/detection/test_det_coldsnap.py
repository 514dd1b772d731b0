"""A cold snap coming for the car raises the urgency of a weak 12 V battery."""

from __future__ import annotations

from detection.coldsnap import outlook
from detection.rules import battery_12v


def _weak(air_min):
    # 20 °C-normalised dip around 9.45 V: weak, a few weeks from failure
    return lambda i: 9.45 - 0.01 * i - 0.03 * max(0.0, 20.0 - air_min(i))


def test_falling_temperatures_make_a_cold_snap(daily, now):
    falling = daily(1, days=10, end=now, air_temp_min=lambda i: 2.0 - 2.0 * i)
    steady = daily(2, days=10, end=now, air_temp_min=lambda i: -3.0 + (0.5 if i % 2 else -0.5))
    assert outlook(falling, now=now).coming
    assert not outlook(steady, now=now).coming
    assert outlook(falling.tail(3), now=now) is None


def test_cold_snap_raises_the_12v_severity_one_step(daily, now):
    def falling(i):
        return 2.0 - 2.0 * max(0, i - 20)

    def steady(i):
        return 2.0

    snap = daily(1, days=30, end=now, lv_v_min=_weak(falling), air_temp_min=falling, lv_v_rest_avg=12.6)
    calm = daily(2, days=30, end=now, lv_v_min=_weak(steady), air_temp_min=steady, lv_v_rest_avg=12.6)
    params = battery_12v.Params()
    (a,) = battery_12v.evaluate(snap, now=now, params=params).flags
    (b,) = battery_12v.evaluate(calm, now=now, params=params).flags
    order = ["info", "low", "medium", "high", "critical"]
    assert a.evidence.cold_outlook.cold_snap_coming is True
    assert b.evidence.cold_outlook.cold_snap_coming is False
    assert order.index(a.severity) == min(4, order.index(b.severity) + 1)
