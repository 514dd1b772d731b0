"""holiday_trip rule: before the Spring Festival / National Day peaks, cars with a due item; none otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.contracts import RiskKind, Severity
from core.travel_peaks import Peak, next_peak, peaks
from detection.rules import holiday_trip

P = holiday_trip.Params()
# 2026: Spring Festival break from Monday 16 February (Chinese New Year's Eve), National Day from 1 October
BEFORE_SPRING = datetime(2026, 2, 6, 12, 0, tzinfo=UTC)


def test_travel_peaks_come_from_the_holidays_package():
    assert [(p.peak, p.start) for p in peaks(2026)] == [
        (Peak.SPRING_FESTIVAL, date(2026, 2, 16)),
        (Peak.NATIONAL_DAY, date(2026, 10, 1)),
    ]
    assert next_peak(date(2026, 9, 20), within_days=14).peak is Peak.NATIONAL_DAY
    assert next_peak(date(2026, 3, 1), within_days=14) is None


def test_due_items_before_the_spring_festival_are_flagged_and_named(daily):
    frame = daily(1, days=30, end=BEFORE_SPRING, pad_wear_max=66.0, wiper_wear_max=85.0, tire_kpa_min=238.0,
                  odometer_min_m=lambda i: 1e7 + 50_000 * i, odometer_max_m=lambda i: 1e7 + 50_000 * i + 40_000)  # fmt: skip
    (flag,) = holiday_trip.evaluate(frame, now=BEFORE_SPRING, params=P).flags
    assert flag.kind is RiskKind.HOLIDAY_TRIP and flag.diagnosis == "before_spring_festival"
    assert flag.predicted_date == date(2026, 2, 16) and flag.severity is Severity.MEDIUM  # two items
    ev = flag.evidence
    assert ev["due_items"] == ["brake_pads", "wipers"] and ev["holiday"] == "spring_festival"
    assert ev["longest_day_km"] == 40.0 and {r["op"] for r in ev["readings"]} == {">="}


def test_long_trips_raise_a_single_item_to_medium(daily):
    frame = daily(
        1, days=30, end=BEFORE_SPRING, tire_kpa_min=205.0, odometer_min_m=0.0, odometer_max_m=450_000.0
    )
    (flag,) = holiday_trip.evaluate(frame, now=BEFORE_SPRING, params=P).flags
    assert flag.evidence["due_items"] == ["tyre_pressure"] and flag.severity is Severity.MEDIUM


@pytest.mark.parametrize(
    ("case", "now", "columns", "flagged"),
    [
        (
            "nothing due",
            BEFORE_SPRING,
            {"pad_wear_max": 20.0, "wiper_wear_max": 10.0, "tire_kpa_min": 240.0},
            False,
        ),
        ("due but no holiday near", datetime(2026, 3, 10, tzinfo=UTC), {"pad_wear_max": 70.0}, False),
        ("due, the break has begun", datetime(2026, 2, 16, 12, tzinfo=UTC), {"pad_wear_max": 70.0}, False),
        ("due before National Day", datetime(2026, 9, 24, tzinfo=UTC), {"pad_wear_max": 70.0}, True),
    ],
)
def test_window_and_clearing(daily, case, now, columns, flagged):
    result = holiday_trip.evaluate(daily(5, days=20, end=now, **columns), now=now, params=P)
    assert bool(result.flags) is flagged, case
    assert result.evaluated_vehicle_ids == {5}, case  # every car is judged: an old risk closes after the peak
