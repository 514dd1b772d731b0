"""Free slots of one technician: opening hours in the center's time zone, the national calendar with the center's
own days over it, the technician's weekly shifts, a fixed grid, busy periods; and when a center's bays are full."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.workdays import WorkCalendar

_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OpeningHours = Mapping[str, Sequence[str] | None]


@dataclass(frozen=True, slots=True)
class Interval:
    """A period of time, UTC: a slot, or a technician's existing booking."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Shift:
    """One weekly working period of a technician, local time of the center; weekday 0 = Monday."""

    weekday: int
    starts: time
    ends: time


class DayKind(StrEnum):
    """A center's own calendar day (center_calendar_day.kind)."""

    CLOSED = "closed"
    HOLIDAY = "holiday"
    WORKDAY = "workday"


@dataclass(frozen=True, slots=True)
class CenterCalendar:
    """The national calendar with one center's own days over it: closed and holiday days are closed, a 'workday'
    is worked with weekday hours (a make-up workday, or a national holiday the center opens on)."""

    national: WorkCalendar
    days: Mapping[date, DayKind]

    def is_closed(self, day: date) -> bool:
        """Return True when the center does not open on `day`."""
        kind = self.days.get(day)
        if kind is None:
            return self.national.is_closed(day)
        return kind is not DayKind.WORKDAY

    def is_makeup_workday(self, day: date) -> bool:
        """Return True when `day` is worked with weekday hours although it may be a weekend day."""
        kind = self.days.get(day)
        if kind is None:
            return self.national.is_makeup_workday(day)
        return kind is DayKind.WORKDAY


def opening_window(hours: OpeningHours, day: date, *, calendar: WorkCalendar) -> tuple[time, time] | None:
    """Return the local opening hours of `day`, None when closed; make-up workdays keep weekday hours."""
    if calendar.is_closed(day):
        return None
    window = hours.get(_DAY_KEYS[day.weekday()])
    if calendar.is_makeup_workday(day):
        window = next((hours[k] for k in _DAY_KEYS[:5] if hours.get(k)), window)
    if not window:
        return None
    return time.fromisoformat(window[0]), time.fromisoformat(window[1])


def working_windows(
    hours: OpeningHours, day: date, *, calendar: WorkCalendar, shifts: Sequence[Shift] = ()
) -> list[tuple[time, time]]:
    """Return the technician's local working periods of `day` in time order: the opening hours, cut to the
    shifts when the technician has any (on a make-up workday, the shifts of their first weekday with shifts when
    none fall on that weekday)."""
    window = opening_window(hours, day, calendar=calendar)
    if window is None:
        return []
    if not shifts:
        return [window]
    today = [s for s in shifts if s.weekday == day.weekday()]
    if not today and calendar.is_makeup_workday(day):
        first = next((w for w in range(5) if any(s.weekday == w for s in shifts)), None)
        today = [s for s in shifts if s.weekday == first]
    cut = sorted(
        (max(window[0], s.starts), min(window[1], s.ends))
        for s in today
        if s.starts < window[1] and s.ends > window[0]
    )
    merged: list[tuple[time, time]] = []
    for start, end in cut:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def free_slots(
    tz: ZoneInfo,
    hours: OpeningHours,
    busy: Sequence[Interval],
    *,
    first_day: date,
    earliest: datetime,
    last_day: date,
    duration: timedelta,
    step: timedelta,
    calendar: WorkCalendar,
    shifts: Sequence[Shift] = (),
) -> Iterator[Interval]:
    """Yield free slots (UTC) starting on the local `step` grid inside working periods, in time order."""
    step_min = int(step.total_seconds() // 60)
    day = max(first_day, earliest.astimezone(tz).date())
    blocked, i = _merged(busy), 0
    while day <= last_day:
        for opens, closes in working_windows(hours, day, calendar=calendar, shifts=shifts):
            minutes = -(-(opens.hour * 60 + opens.minute) // step_min) * step_min  # round up to the grid
            close_at = datetime.combine(day, closes, tz)
            while minutes < 24 * 60:
                start = datetime.combine(day, time(minutes // 60, minutes % 60), tz)
                if start + duration > close_at:
                    break
                slot = Interval(start.astimezone(UTC), (start + duration).astimezone(UTC))
                # slots come in time order and `blocked` is sorted and disjoint, so one forward cursor suffices
                while i < len(blocked) and blocked[i].end <= slot.start:
                    i += 1
                if slot.start >= earliest and not (i < len(blocked) and blocked[i].start < slot.end):
                    yield slot
                minutes += step_min
        day += timedelta(days=1)


def saturated(jobs: Sequence[Interval], *, capacity: int) -> list[Interval]:
    """Return the periods in which at least `capacity` jobs run at once (a center whose bays are all taken):
    a new job may not overlap any of them."""
    events = sorted([(j.start, 1) for j in jobs] + [(j.end, -1) for j in jobs], key=lambda e: (e[0], e[1]))
    out: list[Interval] = []
    running, since = 0, None
    for at, delta in events:  # ends sort before starts at the same instant: back-to-back jobs share a bay
        running += delta
        if running >= capacity and since is None:
            since = at
        elif running < capacity and since is not None:
            if at > since:
                out.append(Interval(since, at))
            since = None
    return _merged(out)


def _merged(busy: Sequence[Interval]) -> list[Interval]:
    """Sort busy periods and merge the overlapping ones."""
    out: list[Interval] = []
    for b in sorted(busy, key=lambda x: x.start):
        if out and b.start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, b.end))
        else:
            out.append(b)
    return out
