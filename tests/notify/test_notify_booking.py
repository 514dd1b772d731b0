"""Booking choice: skills, opening hours and time zones, holidays, parts, busy technicians, deadlines, distance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.vocabulary import RiskKind
from domain.workdays import ChinaCalendar
from notify.booking import (
    BookingPolicy,
    BookingRequest,
    Candidates,
    Center,
    Interval,
    StockLevel,
    Technician,
    haversine_km,
    propose,
)
from notify.jobs import JOBS

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = {d: ["08:30", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": ["09:00", "17:00"],
    "sun": None,
}
HOME = (45.7500, 126.6300)  # Harbin
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai
CAL = ChinaCalendar()
ALL_SKUS = {sku for job in JOBS.values() for sku, _ in job.parts}


def center(
    cid: int, *, km_north: float = 0.0, tz: str = "Asia/Shanghai", hours: dict | None = None
) -> Center:
    # one degree of latitude is ~111.2 km
    return Center(
        cid, f"Center {cid}", "Harbin", "harbin", HOME[0] + km_north / 111.2, HOME[1], tz, hours or WEEK
    )


def tech(tid: int, cid: int, *skills: str) -> Technician:
    return Technician(tid, cid, f"Tech {tid}", frozenset(skills))


def stocked(*center_ids: int, available: int = 5, restock_days: int = 3) -> dict:
    return {cid: {sku: StockLevel(available, restock_days) for sku in ALL_SKUS} for cid in center_ids}


def request(
    kind: RiskKind = RiskKind.BATTERY_12V,
    *,
    predicted: date | None = date(2026, 12, 15),
    preferred: int | None = None,
    segment: str = "ev",  # ranks like the baseline; business, family and premium shift it
) -> BookingRequest:
    return BookingRequest(kind, "high", predicted, HOME[0], HOME[1], preferred, segment)


def run(req: BookingRequest, cands: Candidates, *, busy=None, now: datetime = NOW, **policy):
    return propose(
        req, candidates=cands, busy=busy or {}, calendar=CAL, now=now, policy=BookingPolicy(**policy)
    )


def local(dt: datetime, tz: ZoneInfo = SHANGHAI) -> datetime:
    return dt.astimezone(tz)


ALL_SKILLS_CENTER = Candidates(
    centers=(center(1, km_north=2),),
    technicians=(
        tech(10, 1, "general"),
        tech(11, 1, "brakes"),
        tech(12, 1, "electrical"),
        tech(13, 1, "high_voltage"),
    ),
    stock=stocked(1),
)


@pytest.mark.parametrize(
    ("kind", "tech_id"),
    [
        (RiskKind.BATTERY_12V, 12),
        (RiskKind.EV_BATTERY_SOH, 13),
        (RiskKind.BRAKE_PADS, 11),
        (RiskKind.WINTER_PREP, 10),
    ],
)
def test_notify_booking_technician_has_the_jobs_skill(kind: RiskKind, tech_id: int) -> None:
    options = run(request(kind), ALL_SKILLS_CENTER)
    assert options and {o.technician.id for o in options} == {tech_id}
    assert all(JOBS[kind].skill in o.technician.skills for o in options)
    assert all(o.slot_end - o.slot_start == JOBS[kind].duration for o in options)
    assert [sku for sku, _ in JOBS[kind].parts] == [p.sku for p in options[0].parts]


def test_notify_booking_ev_needs_high_voltage_center_even_if_farther() -> None:
    cands = Candidates(
        centers=(center(1, km_north=1), center(2, km_north=30)),
        technicians=(tech(10, 1, "general", "electrical", "brakes"), tech(20, 2, "high_voltage")),
        stock=stocked(1, 2),
    )
    options = run(request(RiskKind.EV_BATTERY_SOH), cands)
    assert options and {o.center.id for o in options} == {2}
    assert (
        run(request(RiskKind.EV_BATTERY_SOH), Candidates(cands.centers, cands.technicians[:1], cands.stock))
        == []
    )


def test_notify_booking_slots_inside_opening_hours_on_the_grid_after_lead_time() -> None:
    options = run(request(RiskKind.BRAKE_PADS), ALL_SKILLS_CENTER)
    assert len(options) == 3
    for o in options:
        start, end = local(o.slot_start), local(o.slot_end)
        hours = WEEK[("mon", "tue", "wed", "thu", "fri", "sat", "sun")[start.weekday()]]
        assert hours is not None
        assert start.strftime("%H:%M") >= hours[0] and end.strftime("%H:%M") <= hours[1]
        assert start.minute in (0, 30) and start.second == 0
        assert o.slot_start >= NOW + timedelta(hours=2)
        assert o.slot_start.tzinfo == UTC
    # the first option is the first grid slot two hours from now: Friday 12:00 local
    assert local(options[0].slot_start) == datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)


def test_notify_booking_center_time_zone_and_closed_sunday() -> None:
    # Saturday 16:30 in Urumqi (UTC+6): too late for today, Sunday closed -> Monday 08:30 Urumqi time
    urumqi = ZoneInfo("Asia/Urumqi")
    now = datetime(2026, 11, 21, 16, 30, tzinfo=urumqi).astimezone(UTC)
    cands = Candidates((center(1, tz="Asia/Urumqi"),), (tech(10, 1, "electrical"),), stocked(1))
    options = run(request(), cands, now=now)
    assert local(options[0].slot_start, urumqi) == datetime(2026, 11, 23, 8, 30, tzinfo=urumqi)
    assert options[0].slot_start == datetime(2026, 11, 23, 2, 30, tzinfo=UTC)


def test_notify_booking_skips_national_day_holidays() -> None:
    now = datetime(2026, 9, 30, 17, 0, tzinfo=SHANGHAI).astimezone(UTC)
    options = run(request(predicted=date(2026, 12, 1)), ALL_SKILLS_CENTER, now=now)
    days = [local(o.slot_start).date() for o in options]
    assert days == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]  # 10-10 is a make-up Saturday
    # the make-up Saturday keeps weekday hours (08:30), not Saturday hours (09:00)
    assert local(options[2].slot_start).strftime("%H:%M") == "08:30"


def test_notify_booking_makeup_sunday_opens_with_weekday_hours() -> None:
    # Saturday 2026-09-19 after closing; Sunday 09-20 is worked in exchange for the National Day break
    now = datetime(2026, 9, 19, 17, 30, tzinfo=SHANGHAI).astimezone(UTC)
    options = run(request(), ALL_SKILLS_CENTER, now=now)
    assert local(options[0].slot_start) == datetime(2026, 9, 20, 8, 30, tzinfo=SHANGHAI)


def test_notify_booking_parts_not_in_stock_wait_for_restock_day() -> None:
    stock = {1: {"BAT-12V-AGM70": StockLevel(available=0, restock_days=4)}}
    cands = Candidates((center(1),), (tech(10, 1, "electrical"),), stock, {"BAT-12V-AGM70": "AGM battery"})
    options = run(request(), cands)
    part = options[0].parts[0]
    assert (part.sku, part.name, part.in_stock, part.available_on) == (
        "BAT-12V-AGM70",
        "AGM battery",
        False,
        date(2026, 11, 24),
    )
    assert all(local(o.slot_start).date() >= date(2026, 11, 24) for o in options)
    assert local(options[0].slot_start) == datetime(2026, 11, 24, 8, 30, tzinfo=SHANGHAI)
    assert "parts_on_order" in options[0].reason.split("+")


def test_notify_booking_part_not_stocked_at_all_uses_default_restock() -> None:
    cands = Candidates((center(1),), (tech(10, 1, "electrical"),), {})
    options = run(request(), cands, default_restock_days=10)
    assert options[0].parts[0].available_on == date(2026, 11, 30)
    assert local(options[0].slot_start).date() == date(2026, 11, 30)


def test_notify_booking_in_stock_can_start_today() -> None:
    options = run(request(), ALL_SKILLS_CENTER)
    assert options[0].parts[0].in_stock and options[0].parts[0].available_on == date(2026, 11, 20)
    assert "parts_in_stock" in options[0].reason.split("+")


def test_notify_booking_busy_technician_is_not_double_booked() -> None:
    cands = Candidates((center(1),), (tech(10, 1, "electrical"),), stocked(1))
    day = datetime(2026, 11, 20, 0, 0, tzinfo=SHANGHAI)
    busy = {
        10: [
            Interval((day + timedelta(hours=11)).astimezone(UTC), (day + timedelta(hours=15)).astimezone(UTC))
        ]
    }
    options = run(request(), cands, busy=busy)
    first = options[0]
    assert local(first.slot_start) == day + timedelta(hours=15)  # right after the busy block
    for o in options:
        assert all(not (b.start < o.slot_end and o.slot_start < b.end) for b in busy[10])


def test_notify_booking_overlapping_busy_periods_are_merged() -> None:
    cands = Candidates((center(1),), (tech(10, 1, "electrical"),), stocked(1))
    day = datetime(2026, 11, 20, 0, 0, tzinfo=SHANGHAI)
    busy = {
        10: [
            Interval((day + timedelta(hours=h0)).astimezone(UTC), (day + timedelta(hours=h1)).astimezone(UTC))
            for h0, h1 in [(13.5, 15), (12, 16.5), (12, 13)]  # unsorted, nested, overlapping
        ]
    }
    options = run(request(), cands, busy=busy)
    assert local(options[0].slot_start) == day + timedelta(hours=16, minutes=30)


def test_notify_booking_busy_technician_hands_over_to_a_free_colleague() -> None:
    cands = Candidates((center(1),), (tech(10, 1, "electrical"), tech(11, 1, "electrical")), stocked(1))
    day = datetime(2026, 11, 20, 0, 0, tzinfo=SHANGHAI)
    busy = {
        10: [
            Interval((day + timedelta(hours=12)).astimezone(UTC), (day + timedelta(hours=18)).astimezone(UTC))
        ]
    }
    options = run(request(), cands, busy=busy)
    assert options[0].technician.id == 11
    assert local(options[0].slot_start) == day + timedelta(hours=12)


def test_notify_booking_deadline_respected() -> None:
    options = run(request(predicted=date(2026, 11, 25)), ALL_SKILLS_CENTER)
    assert all(local(o.slot_end).date() < date(2026, 11, 25) for o in options)
    assert all(
        o.reason.split("+")[0] == "before_deadline" and o.deadline == date(2026, 11, 25) for o in options
    )


def test_notify_booking_after_deadline_takes_earliest_and_says_so() -> None:
    stock = {1: {"BAT-12V-AGM70": StockLevel(0, restock_days=5)}}
    cands = Candidates((center(1),), (tech(10, 1, "electrical"),), stock)
    options = run(request(predicted=date(2026, 11, 22)), cands)
    assert local(options[0].slot_start) == datetime(2026, 11, 25, 8, 30, tzinfo=SHANGHAI)
    assert all(o.after_deadline and o.reason.startswith("after_deadline") for o in options)


def test_notify_booking_center_meeting_the_deadline_beats_a_nearer_late_one() -> None:
    stock = stocked(2) | {1: {"BAT-12V-AGM70": StockLevel(0, restock_days=10)}}
    cands = Candidates(
        (center(1, km_north=1), center(2, km_north=15)),
        (tech(10, 1, "electrical"), tech(20, 2, "electrical")),
        stock,
    )
    # Friday and Saturday at center 2 finish before Monday's predicted date; center 1 has the part only on 11-30
    options = run(request(predicted=date(2026, 11, 23)), cands)
    assert [(o.center.id, o.after_deadline) for o in options] == [(2, False), (2, False), (1, True)]
    assert [local(o.slot_start).date() for o in options] == [
        date(2026, 11, 20),
        date(2026, 11, 21),
        date(2026, 11, 30),
    ]


def test_notify_booking_without_predicted_date() -> None:
    options = run(request(RiskKind.WINTER_PREP, predicted=None), ALL_SKILLS_CENTER)
    assert options and all(o.reason.startswith("no_deadline") and o.deadline is None for o in options)


def test_notify_booking_nearest_center_first_and_diverse() -> None:
    cands = Candidates(
        centers=(
            center(1, km_north=40),
            center(2, km_north=3),
            center(3, km_north=12),
            center(4, km_north=80),
        ),
        technicians=tuple(tech(10 * c, c, "brakes") for c in (1, 2, 3, 4)),
        stock=stocked(1, 2, 3, 4),
    )
    options = run(request(RiskKind.BRAKE_PADS), cands)
    assert [o.center.id for o in options] == [2, 3, 1]
    assert [o.rank for o in options] == [1, 2, 3]
    assert options[0].distance_km == pytest.approx(3.0, abs=0.1)


def test_notify_booking_one_center_offers_different_days() -> None:
    cands = Candidates((center(1),), (tech(10, 1, "electrical"), tech(11, 1, "electrical")), stocked(1))
    options = run(request(), cands)
    assert len(options) == 3
    assert len({local(o.slot_start).date() for o in options}) == 3
    assert [o.slot_start for o in options] == sorted(o.slot_start for o in options)
    assert "alternative_day" in options[1].reason.split("+")


def test_notify_booking_preferred_center_favoured_when_nearby_only() -> None:
    cands = Candidates(
        centers=(center(1, km_north=2), center(2, km_north=10), center(3, km_north=600)),
        technicians=(tech(10, 1, "electrical"), tech(20, 2, "electrical"), tech(30, 3, "electrical")),
        stock=stocked(1, 2, 3),
    )
    near = run(request(preferred=2), cands)
    assert near[0].center.id == 2 and "preferred_center" in near[0].reason.split("+")
    far = run(request(preferred=3), cands)
    assert far[0].center.id == 1 and 3 not in {o.center.id for o in far}  # 600 km is out of reach


def test_notify_booking_far_centers_only_when_nothing_is_near() -> None:
    cands = Candidates(
        centers=(center(1, km_north=300), center(2, km_north=420), center(3, km_north=5)),
        technicians=(tech(10, 1, "brakes"), tech(20, 2, "brakes"), tech(30, 3, "electrical")),
        stock=stocked(1, 2, 3),
    )
    options = run(request(RiskKind.BRAKE_PADS), cands)
    assert {o.center.id for o in options} == {1}  # the nearest able center, although 300 km away
    assert len(options) == 3


def test_notify_booking_nothing_within_horizon() -> None:
    stock = {1: {"BAT-12V-AGM70": StockLevel(0, restock_days=60)}}
    cands = Candidates((center(1),), (tech(10, 1, "electrical"),), stock)
    assert run(request(), cands, horizon_days=42) == []


def test_notify_haversine() -> None:
    # Beijing - Shanghai, about 1,068 km great-circle
    assert haversine_km(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1068, abs=5)
    assert haversine_km(10, 20, 10, 20) == 0


def test_notify_booking_family_gets_a_weekend_slot_first() -> None:
    cands = Candidates((center(1),), (tech(10, 1, "electrical"),), stocked(1))
    options = run(request(segment="family"), cands)
    assert local(options[0].slot_start).weekday() == 5  # Saturday 2026-11-21
    assert local(options[0].slot_start) == datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)
    baseline = run(request(), cands)
    assert local(baseline[0].slot_start).weekday() == 4  # the same Friday otherwise


def test_notify_booking_business_gets_the_fastest_slot_even_at_a_farther_center() -> None:
    # The near center is booked solid today; the farther one has a slot this afternoon.
    cands = Candidates(
        (center(1), center(2, km_north=30)),
        (tech(10, 1, "electrical"), tech(20, 2, "electrical")),
        stocked(1, 2),
    )
    today = Interval(NOW, datetime(2026, 11, 21, 0, 0, tzinfo=UTC))
    baseline = run(request(), cands, busy={10: [today]})
    business = run(request(segment="business"), cands, busy={10: [today]})
    assert baseline[0].center.id == 1
    assert business[0].center.id == 2
    assert business[0].slot_start == min(o.slot_start for o in business)


def test_notify_booking_premium_prefers_the_preferred_center_over_a_nearer_one() -> None:
    cands = Candidates(
        (center(1), center(2, km_north=60)),
        (tech(10, 1, "electrical"), tech(20, 2, "electrical")),
        stocked(1, 2),
    )
    assert run(request(preferred=2), cands)[0].center.id == 1  # 60 km minus the 25 km bonus is still farther
    assert run(request(preferred=2, segment="premium"), cands)[0].center.id == 2
