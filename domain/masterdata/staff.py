"""Service advisors and technicians (with weekly shifts and absences), by employee number."""

from __future__ import annotations

from collections import defaultdict
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BeforeValidator, Field, field_validator, model_validator

from domain.masterdata.fields import Code, Codes, Email, LongText, Phone, Text, split_list
from domain.masterdata.record import Record

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAY_NUMBER: dict[str, int] = {
    d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
}


class Advisor(Record):
    """A service advisor: the dedicated contact a customer is assigned to."""

    employee_no: Code
    center_code: Code
    name: Text
    email: Email | None = None
    phone: Phone | None = None
    active: bool = True


class Shift(Record):
    """One weekly shift in the center's local time; CSV: ``mon 08:00-12:00``."""

    weekday: Weekday
    starts: time
    ends: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            weekday, _, span = value.strip().partition(" ")
            starts, sep, ends = span.strip().partition("-")
            if not sep:
                raise ValueError(f"a shift looks like 'mon 08:00-12:00', got {value!r}")
            return {"weekday": weekday.lower(), "starts": starts.strip(), "ends": ends.strip()}
        return value

    @model_validator(mode="after")
    def _order(self) -> Shift:
        if self.ends <= self.starts:
            raise ValueError(f"{self.weekday} shift ends at {self.ends:%H:%M}, not after {self.starts:%H:%M}")
        return self

    def text(self) -> str:
        """Return the shift as a CSV item, e.g. ``mon 08:00-12:00``."""
        return f"{self.weekday} {self.starts:%H:%M}-{self.ends:%H:%M}"


class Absence(Record):
    """Leave, training or sickness; CSV: ``2026-12-01T08:00+08:00/2026-12-03T18:00+08:00 leave``."""

    starts: AwareDatetime
    ends: AwareDatetime
    reason: LongText = ""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            span, _, reason = value.strip().partition(" ")
            starts, sep, ends = span.partition("/")
            if not sep:
                raise ValueError(
                    f"an absence looks like 'START/END reason' (ISO times with offset), got {value!r}"
                )
            return {"starts": starts, "ends": ends, "reason": reason.strip()}
        return value

    @model_validator(mode="after")
    def _order(self) -> Absence:
        if self.ends <= self.starts:
            raise ValueError(f"absence ends at {self.ends.isoformat()}, not after it starts")
        return self


def _clear_marker(value: Any) -> Any:
    """``-`` in a CSV cell clears the list (an empty cell leaves what is stored)."""
    return [] if isinstance(value, str) and value.strip() == "-" else split_list(value)


class Technician(Record):
    """A technician; ``shifts`` and ``absences``, when given, replace the stored ones (absent: left as they are)."""

    employee_no: Code
    center_code: Code
    name: Text
    skills: Codes = Field(default=("general",), description="e.g. general, brakes, electrical, high_voltage")
    shifts: Annotated[tuple[Shift, ...] | None, BeforeValidator(_clear_marker)] = Field(
        default=None, description="weekly shifts; none stored = the center's opening hours"
    )
    absences: Annotated[tuple[Absence, ...] | None, BeforeValidator(_clear_marker)] = None
    active: bool = True

    @field_validator("shifts")
    @classmethod
    def _no_overlap(cls, shifts: tuple[Shift, ...] | None) -> tuple[Shift, ...] | None:
        by_day: dict[str, list[Shift]] = defaultdict(list)
        for shift in shifts or ():
            by_day[shift.weekday].append(shift)
        for day_shifts in by_day.values():
            ordered = sorted(day_shifts, key=lambda s: s.starts)
            for before, after in zip(ordered, ordered[1:], strict=False):
                if after.starts < before.ends:
                    raise ValueError(f"overlapping shifts: {before.text()} and {after.text()}")
        return shifts

    @field_validator("absences")
    @classmethod
    def _distinct_starts(cls, absences: tuple[Absence, ...] | None) -> tuple[Absence, ...] | None:
        starts = [a.starts for a in absences or ()]
        if len(set(starts)) != len(starts):
            raise ValueError("two absences start at the same time")
        return absences
