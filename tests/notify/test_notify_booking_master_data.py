"""Booking choice over the dealer's master data (pure): the center's own calendar days over the national one, the
technicians' weekly shifts, the center's bays, and a delivery already on its way."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.vocabulary import RiskKind
from notify.booking import BookingPolicy, Candidates, StockLevel, propose
from notify.slots import CenterCalendar, DayKind, Interval, Shift, saturated, working_windows
from tests.notify.test_notify_booking import (
    CAL,
    NOW,
    SHANGHAI,
    WEEK,
    center,
    local,
    request,
    run,
    stocked,
    tech,
)

FRI, SAT, SUN, MON = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


def one_center(*, days=None, bays: int = 4, shifts: tuple[Shift, ...] = (), stock=None) -> Candidates:
    c = replace(center(1, km_north=2), bays=bays, calendar_days=days or {})
    return Candidates((c,), (replace(tech(10, 1, "electrical"), shifts=shifts),), stock or stocked(1))


def first_start(cands: Candidates, **kw) -> datetime:
    options = run(request(), cands, **kw)
    return local(min(o.slot_start for o in options))


def test_notify_master_data_without_rows_changes_nothing() -> None:
    assert first_start(one_center()) == at(FRI, 12)


@pytest.mark.parametrize("kind", [DayKind.CLOSED, DayKind.HOLIDAY])
def test_notify_master_data_a_closed_or_holiday_day_of_the_center_gets_no_slot(kind: DayKind) -> None:
    options = run(request(), one_center(days={FRI: kind, MON: kind}))
    days = {local(o.slot_start).date() for o in options}
    assert FRI not in days and MON not in days
    assert first_start(one_center(days={FRI: kind})) == at(SAT, 9)


def test_notify_master_data_a_makeup_workday_opens_with_weekday_hours() -> None:
    # Friday and Saturday closed, Sunday (normally closed) worked like a weekday: 08:30 opening
    cands = one_center(days={FRI: DayKind.CLOSED, SAT: DayKind.CLOSED, SUN: DayKind.WORKDAY})
    assert first_start(cands) == at(SUN, 8, 30)


def test_notify_master_data_center_workday_overrides_a_national_holiday() -> None:
    national_day = date(2026, 10, 1)  # Thursday, 国庆节
    assert CAL.is_closed(national_day)
    own = CenterCalendar(CAL, {national_day: DayKind.WORKDAY})
    assert not own.is_closed(national_day) and own.is_makeup_workday(national_day)
    assert CenterCalendar(CAL, {}).is_closed(national_day)
    assert CenterCalendar(CAL, {FRI: DayKind.CLOSED}).is_closed(FRI) and not CAL.is_closed(FRI)


def test_notify_master_data_technician_works_only_their_shifts() -> None:
    afternoons = (Shift(4, time(14), time(16)),)  # Fridays 14:00-16:00 only
    options = run(request(), one_center(shifts=afternoons))
    assert [local(o.slot_start) for o in options] == [
        at(FRI, 14),
        at(FRI + timedelta(7), 14),
        at(FRI + timedelta(14), 14),
    ]
    assert all(local(o.slot_end).time() <= time(16) for o in options)


def test_notify_master_data_shifts_are_cut_to_opening_hours_and_merged() -> None:
    shifts = (Shift(0, time(6), time(9, 30)), Shift(0, time(9), time(12)), Shift(0, time(17), time(20)))
    windows = working_windows(WEEK, MON, calendar=CAL, shifts=shifts)
    assert windows == [(time(8, 30), time(12)), (time(17), time(18))]
    assert working_windows(WEEK, MON, calendar=CAL) == [(time(8, 30), time(18))]
    assert working_windows(WEEK, SUN, calendar=CAL, shifts=shifts) == []  # the center is closed


def test_notify_master_data_makeup_workday_uses_the_first_weekday_shift() -> None:
    shifts = (Shift(1, time(10), time(12)),)  # Tuesdays
    own = CenterCalendar(CAL, {SUN: DayKind.WORKDAY})
    assert working_windows(WEEK, SUN, calendar=own, shifts=shifts) == [(time(10), time(12))]


def test_notify_master_data_technician_busy_period_blocks_overlapping_slots() -> None:
    absent = {10: [Interval(at(FRI, 8).astimezone(UTC), at(SAT, 23).astimezone(UTC))]}
    assert first_start(one_center(), busy=absent) == at(MON, 8, 30)


def test_notify_master_data_never_more_jobs_at_once_than_bays() -> None:
    # another job (a DMS appointment of someone else) holds the only bay 11:30-13:30
    other = {1: [Interval(at(FRI, 11, 30).astimezone(UTC), at(FRI, 13, 30).astimezone(UTC))]}

    def first(bays: int) -> datetime:
        options = propose(
            request(),
            candidates=one_center(bays=bays),
            busy={},
            center_busy=other,
            calendar=CAL,
            now=NOW,
            policy=BookingPolicy(),
        )
        return local(options[0].slot_start)

    assert first(1) == at(FRI, 13, 30)
    assert first(2) == at(FRI, 12)


def test_notify_master_data_saturated_periods() -> None:
    def iv(a: int, b: int) -> Interval:
        return Interval(at(FRI, a).astimezone(UTC), at(FRI, b).astimezone(UTC))

    jobs = [iv(9, 12), iv(10, 11), iv(10, 13), iv(12, 14)]
    assert saturated(jobs, capacity=2) == [iv(10, 13)]
    assert saturated(jobs, capacity=3) == [iv(10, 11)]
    assert saturated(jobs, capacity=4) == []
    assert saturated([iv(9, 10), iv(10, 11)], capacity=1) == [iv(9, 11)]  # back to back: one bay, never two


def test_notify_master_data_a_delivery_on_its_way_beats_a_new_order() -> None:
    sku = "BAT-12V-AGM70"
    stock = stocked(1) | {1: stocked(1)[1] | {sku: StockLevel(0, 7, MON)}}
    options = run(request(), one_center(stock=stock))
    assert options[0].parts[0].available_on == MON and not options[0].parts[0].in_stock
    assert local(options[0].slot_start).date() == MON
    stale = stocked(1) | {1: stocked(1)[1] | {sku: StockLevel(0, 7, date(2026, 11, 1))}}
    assert run(request(), one_center(stock=stale))[0].parts[0].available_on == FRI + timedelta(7)


def test_notify_master_data_kinds_match_the_schema() -> None:
    assert {k.value for k in DayKind} == {"closed", "holiday", "workday"}
    assert RiskKind.BATTERY_12V  # the job used above needs an 'electrical' technician
