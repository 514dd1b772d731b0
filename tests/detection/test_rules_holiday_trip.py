"""holiday_trip rule: before the Spring Festival / National Day peaks, cars with a due item; none otherwise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from detection.rules import holiday_trip
from domain.travel_peaks import Peak, next_peak, peaks
from domain.vocabulary import RiskKind, Severity

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
    assert ev.due_items == ["brake_pads", "wipers"] and ev.holiday == "spring_festival"
    assert ev.longest_day_km == 40.0 and {r.op for r in ev.readings} == {">="}


def test_long_trips_raise_a_single_item_to_medium(daily):
    frame = daily(
        1, days=30, end=BEFORE_SPRING, tire_kpa_min=205.0, odometer_min_m=0.0, odometer_max_m=450_000.0
    )
    (flag,) = holiday_trip.evaluate(frame, now=BEFORE_SPRING, params=P).flags
    assert flag.evidence.due_items == ["tyre_pressure"] and flag.severity is Severity.MEDIUM


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


def test_a_whole_percent_reading_at_the_limit_is_placed_by_the_wear_line(daily):
    # Pads wearing 0.05 %/day reach 59.95 % today: the last readings round to 60, the line says not yet.
    under = daily(1, days=60, end=BEFORE_SPRING, pad_wear_max=lambda i: round(57.0 + 0.05 * i))
    over = daily(2, days=60, end=BEFORE_SPRING, pad_wear_max=lambda i: round(57.5 + 0.05 * i))
    flags = holiday_trip.evaluate(concat_frames(under, over), now=BEFORE_SPRING, params=P).flags
    assert [f.vehicle_id for f in flags] == [2]
    (reading,) = flags[0].evidence.readings
    assert reading.value == 60.0 and reading.estimate >= 60.0


def test_wear_since_the_last_replacement_only(daily):
    # Blades at 99 % changed 10 days ago: the old blade's readings say nothing about the new one.
    frame = daily(
        1, days=60, end=BEFORE_SPRING, wiper_wear_max=lambda i: 99.0 if i < 50 else 2.0 + 0.1 * (i - 50)
    )
    assert not holiday_trip.evaluate(frame, now=BEFORE_SPRING, params=P).flags


@pytest.mark.parametrize(
    ("case", "kpa", "air", "flagged"),
    [
        # tyres holding 230 kPa at 20 °C: 212 kPa all week at 5 °C, they are low for the trip
        ("a cold week", lambda i: 212.0, lambda i: 5.0, True),
        # the same tyres on a mild week with one cold day today (0 °C, 206 kPa): not low for a trip
        ("one cold day", lambda i: 206.0 if i == 29 else 224.0, lambda i: 0.0 if i == 29 else 15.0, False),
        # a cold spell that has set in for three days: the trip starts in it
        ("a cold spell", lambda i: 206.0 if i >= 27 else 224.0, lambda i: 0.0 if i >= 27 else 15.0, True),
        # filled yesterday after a low week: the fill decides
        ("just filled", lambda i: 240.0 if i >= 28 else 205.0, lambda i: 5.0, False),
    ],
)
def test_tyres_at_this_weeks_temperature_since_the_last_fill(daily, case, kpa, air, flagged):
    frame = daily(1, days=30, end=BEFORE_SPRING, tire_kpa_min=kpa, air_temp_avg=air)
    assert bool(holiday_trip.evaluate(frame, now=BEFORE_SPRING, params=P).flags) is flagged, case


def test_an_item_due_only_today_waits_for_a_second_day(daily):
    low_today = daily(1, days=20, end=BEFORE_SPRING, coolant_min=lambda i: 1.0 if i == 19 else 2.0)
    low_two_days = daily(2, days=20, end=BEFORE_SPRING, coolant_min=lambda i: 1.0 if i >= 18 else 2.0)
    result = holiday_trip.evaluate(concat_frames(low_today, low_two_days), now=BEFORE_SPRING, params=P)
    assert [f.vehicle_id for f in result.flags] == [2] and result.evaluated_vehicle_ids == {1, 2}
    assert holiday_trip.evaluate(low_today, now=BEFORE_SPRING, params=replace(P, confirm_days=0)).flags


def concat_frames(*parts):
    """Concatenate vehicle frames."""
    return pd.concat(parts, ignore_index=True)
