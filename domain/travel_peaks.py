"""The two national travel peaks of mainland China (Spring Festival, National Day) from the `holidays` package.

Shared by detection (the pre-holiday trip check) and the simulator (its ground truth), so both mean the same days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

import holidays


class Peak(StrEnum):
    """Which travel peak."""

    SPRING_FESTIVAL = "spring_festival"
    NATIONAL_DAY = "national_day"


@dataclass(frozen=True, slots=True)
class TravelPeak:
    """A holiday break's first official day off: the day the roads and expressways fill up."""

    peak: Peak
    start: date


@cache
def peaks(year: int) -> tuple[TravelPeak, ...]:
    """Return the Spring Festival and National Day breaks that start in `year`, in date order."""
    days = holidays.country_holidays("CN", years=year, language="en_US")
    spring = [d for d, name in days.items() if "Spring Festival" in name or "New Year's Eve" in name]
    national = [d for d, name in days.items() if name.startswith("National Day")]
    out = []
    if spring:
        out.append(TravelPeak(Peak.SPRING_FESTIVAL, min(spring)))
    if national:
        out.append(TravelPeak(Peak.NATIONAL_DAY, min(national)))
    return tuple(sorted(out, key=lambda p: p.start))


def next_peak(day: date, *, within_days: int) -> TravelPeak | None:
    """Return the first travel peak starting on or after `day` and at most `within_days` later, else None."""
    for year in (day.year, day.year + 1):
        for p in peaks(year):
            if 0 <= (p.start - day).days <= within_days:
                return p
    return None
