"""Free slots of one technician: opening hours in the center's time zone, holidays, a fixed grid, busy periods."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.workdays import WorkCalendar

_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OpeningHours = Mapping[str, Sequence[str] | None]


@dataclass(frozen=True, slots=True)
class Interval:
    """A period of time, UTC: a slot, or a technician's existing booking."""

    start: datetime
    end: datetime


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
) -> Iterator[Interval]:
    """Yield free slots (UTC) starting on the local `step` grid inside opening hours, in time order."""
    step_min = int(step.total_seconds() // 60)
    day = max(first_day, earliest.astimezone(tz).date())
    blocked, i = _merged(busy), 0
    while day <= last_day:
        window = opening_window(hours, day, calendar=calendar)
        if window is not None:
            opens, closes = window
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


def _merged(busy: Sequence[Interval]) -> list[Interval]:
    """Sort busy periods and merge the overlapping ones."""
    out: list[Interval] = []
    for b in sorted(busy, key=lambda x: x.start):
        if out and b.start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, b.end))
        else:
            out.append(b)
    return out
