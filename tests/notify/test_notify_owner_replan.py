"""The owner's "another time" in notify's booking choice (pure): a later earliest day, a part of the day, the
preferred center only or it and the centers near it; no preference chooses exactly as before."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.preference import OwnerPreference
from notify.booking import Candidates, Interval
from tests.notify.test_notify_booking import NOW, center, local, request, run, stocked, tech

CANDS = Candidates(
    centers=(center(1, km_north=2), center(2, km_north=12), center(3, km_north=80)),
    technicians=(tech(10, 1, "electrical"), tech(20, 2, "electrical"), tech(30, 3, "electrical")),
    stock=stocked(1, 2, 3),
)


def _with(preference: OwnerPreference | None, *, preferred: int | None = 1):
    base = request(preferred=preferred)
    return type(base)(**{**{f: getattr(base, f) for f in base.__slots__}, "preference": preference})


def test_no_preference_chooses_as_before() -> None:
    assert run(_with(None), CANDS) == run(request(preferred=1), CANDS)


def test_not_before_the_earliest_day_at_the_preferred_center_only() -> None:
    earliest = date(2026, 11, 30)
    options = run(_with(OwnerPreference(earliest=earliest)), CANDS)
    assert len(options) == 3
    assert all(local(o.slot_start).date() >= earliest for o in options)
    assert {o.center.id for o in options} == {1}


def test_afternoons_only() -> None:
    options = run(_with(OwnerPreference(part_of_day="afternoon")), CANDS)
    assert options and all(local(o.slot_start).hour >= 12 for o in options)
    mornings = run(_with(OwnerPreference(part_of_day="morning")), CANDS)
    assert mornings and all(local(o.slot_start).hour < 12 for o in mornings)


def test_weekends_only() -> None:
    options = run(_with(OwnerPreference(part_of_day="weekend")), CANDS)
    assert options and all(local(o.slot_start).weekday() >= 5 for o in options)


def test_nearby_center_when_asked_and_the_preferred_one_is_full() -> None:
    full = {10: [Interval(NOW - timedelta(days=1), NOW + timedelta(days=60))]}
    alone = run(_with(OwnerPreference()), CANDS, busy=full)
    assert alone == []  # the preferred center only, and it is full
    nearby = run(_with(OwnerPreference(nearby=True)), CANDS, busy=full)
    assert nearby and {o.center.id for o in nearby} == {2}  # 10 km from it; center 3 is 78 km away


def test_without_a_preferred_center_the_usual_choice_applies() -> None:
    options = run(_with(OwnerPreference(part_of_day="afternoon"), preferred=None), CANDS)
    assert options and all(local(o.slot_start).hour >= 12 for o in options)


def test_preference_fits() -> None:
    saturday_9 = datetime(2026, 11, 21, 9, 0)
    assert OwnerPreference(part_of_day="weekend").fits(saturday_9)
    assert OwnerPreference(part_of_day="morning").fits(saturday_9)
    assert not OwnerPreference(part_of_day="afternoon").fits(saturday_9)
    assert not OwnerPreference(earliest=date(2026, 11, 22)).fits(saturday_9)
