"""The maintenance rule: the car's own service countdown forecast with its daily use (table-driven)."""

from __future__ import annotations

import numpy as np
import pytest

from detection.rules import maintenance

P = maintenance.Params()
ODO_40KM = {"odometer_max_m": lambda i: 1e7 + 40_000 * i}


def _last(value: float) -> list[float]:
    return [np.nan] * 29 + [value]


@pytest.mark.parametrize(
    ("columns", "flagged", "evaluated", "diagnosis"),
    [
        ({"service_km": _last(300.0)}, True, True, "service_due_soon"),  # <= 500 km
        ({"service_km": _last(520.0)}, True, True, "service_due_soon"),  # 13 days at 40 km/day
        ({"service_km": _last(-20.0)}, True, True, "service_overdue"),
        (
            {"service_km": _last(5000.0), "service_s": _last(10 * 86400)},
            True,
            True,
            "service_due_soon",
        ),  # by time
        ({"service_s": _last(0)}, True, True, "service_overdue"),
        (
            {"service_km": _last(700.0)},
            False,
            False,
            None,
        ),  # 17.5 days: hysteresis band, neither flag nor clear
        (
            {"service_km": _last(5000.0), "service_s": _last(200 * 86400)},
            False,
            True,
            None,
        ),  # healthy: cleared
        ({"service_km": [5000.0] + [np.nan] * 29}, False, False, None),  # last report older than a week
        ({}, False, False, None),  # the car does not report Vehicle.Service.*
    ],
)
def test_service_countdown(daily, now, columns, flagged, evaluated, diagnosis):
    frame = daily(1, days=30, **ODO_40KM, **columns)
    result = maintenance.evaluate(frame, now=now, params=P)
    assert bool(result.flags) is flagged
    assert (1 in result.evaluated_vehicle_ids) is evaluated
    if flagged:
        assert result.flags[0].diagnosis == diagnosis


def test_days_left_uses_the_cars_own_daily_distance(daily, now):
    frame = daily(1, days=30, **ODO_40KM, service_km=_last(400.0))
    flag = maintenance.evaluate(frame, now=now, params=P).flags[0]
    assert flag.evidence.km_per_day == pytest.approx(40.0)
    assert flag.evidence.days_left == pytest.approx(10.0)
    assert flag.predicted_date == (now.date().fromordinal(now.date().toordinal() + 10))
