"""iCalendar (RFC 5545) for booked visits: text escaping, line folding, UTC times (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//Carecast//Carecast API//EN"
_FOLD_OCTETS = 75


@dataclass(frozen=True, slots=True)
class Visit:
    """One booking as a calendar event."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str
    location: str
    confirmed: bool
    updated: datetime


def escape_text(value: str) -> str:
    """Return a TEXT value escaped per RFC 5545 3.3.11 (backslash, semicolon, comma, newlines)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def utc_stamp(value: datetime) -> str:
    """Return a DATE-TIME in UTC form, e.g. ``20261123T010000Z``; naive values are refused."""
    if value.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Return the content line folded at 75 octets (CRLF + space), never splitting a UTF-8 character."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        # Continuation lines start with a space, which counts toward their 75 octets.
        if size + width > _FOLD_OCTETS:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out)


def _event(visit: Visit, *, now: datetime) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{escape_text(visit.uid)}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"LAST-MODIFIED:{utc_stamp(visit.updated)}",
        f"DTSTART:{utc_stamp(visit.start)}",
        f"DTEND:{utc_stamp(visit.end)}",
        f"SUMMARY:{escape_text(visit.summary)}",
        f"DESCRIPTION:{escape_text(visit.description)}",
        f"LOCATION:{escape_text(visit.location)}",
        f"STATUS:{'CONFIRMED' if visit.confirmed else 'TENTATIVE'}",
        "END:VEVENT",
    ]


def calendar(visits: Iterable[Visit], *, name: str, now: datetime) -> str:
    """Return a VCALENDAR with one VEVENT per visit, CRLF line ends, folded lines."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for visit in visits:
        lines += _event(visit, now=now)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
