"""Free slots to move a booked visit to (pure, no I/O): the booked technician's next slots of the same length on an
hourly grid inside the center's opening hours, skipping the center's closed days and the technician's busy periods
(other bookings, DMS appointments, absences). The database's exclusion constraint stays the last word."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hours(opening_hours: Mapping[str, Sequence[str] | None], day: date) -> tuple[time, time] | None:
    span = opening_hours.get(_DAY_KEYS[day.weekday()])
    if not span or len(span) != 2:
        return None
    return time.fromisoformat(span[0]), time.fromisoformat(span[1])


def free_slots(
    *,
    opening_hours: Mapping[str, Sequence[str] | None],
    tz: str,
    length: timedelta,
    busy: Iterable[tuple[datetime, datetime]],
    closed_days: Iterable[date],
    now: datetime,
    days: int = 14,
    step: timedelta = timedelta(hours=1),
    limit: int = 12,
) -> list[datetime]:
    """Return up to `limit` slot starts (UTC) from the next full hour after `now`, within `days` local days."""
    zone = ZoneInfo(tz)
    taken = sorted(busy)
    closed = set(closed_days)
    found: list[datetime] = []
    today = now.astimezone(zone).date()
    for offset in range(days):
        day = today + timedelta(days=offset)
        hours = None if day in closed else _hours(opening_hours, day)
        if hours is None:
            continue
        start = datetime.combine(day, hours[0], zone)
        close = datetime.combine(day, hours[1], zone)
        while start + length <= close and len(found) < limit:
            end = start + length
            if start > now and not any(b_start < end and start < b_end for b_start, b_end in taken):
                found.append(start.astimezone(UTC))
            start += step
        if len(found) >= limit:
            break
    return found
