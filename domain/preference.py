"""The owner's preference for "another time" (the owner page): the earliest day, which part of the day and whether
centers near the preferred one may be offered too (pure, no I/O). Recorded by the API through core/bookings.py,
honoured by notify's booking choice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

PartOfDay = Literal["any", "morning", "afternoon", "weekend"]
PARTS_OF_DAY: tuple[str, ...] = get_args(PartOfDay)
NOON_HOUR = 12


@dataclass(frozen=True, slots=True)
class OwnerPreference:
    """What the owner asked for: no slot before `earliest` (the center's local day), only `part_of_day`, and the
    preferred center only unless `nearby`."""

    earliest: date | None = None
    part_of_day: PartOfDay = "any"
    nearby: bool = False

    def fits(self, local_start: datetime) -> bool:
        """Return True when a slot starting at `local_start` (the center's local time) is what the owner asked for."""
        if self.earliest is not None and local_start.date() < self.earliest:
            return False
        if self.part_of_day == "morning":
            return local_start.hour < NOON_HOUR
        if self.part_of_day == "afternoon":
            return local_start.hour >= NOON_HOUR
        if self.part_of_day == "weekend":
            return local_start.weekday() >= 5
        return True
