"""Field types shared by the master-data records, each accepting a CSV cell (text) and a JSON value alike.

A list in a CSV cell is written with ``;`` between the items (``VW;Audi``); in JSON Lines it is an array.
"""

from __future__ import annotations

from datetime import time
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from domain.vin import is_valid_vin, vin_check_digit

LIST_SEPARATOR = ";"


def split_list(value: Any) -> Any:
    """Return a CSV cell's ``;``-separated items as a list (JSON arrays and other values pass unchanged)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]
    return value


# Files in the zone database that are not time zones (ZoneInfo would load them).
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory", "leapseconds", "tzdata.zi"})


@cache
def _is_zone(name: str) -> bool:
    if name in _NOT_ZONES or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def check_time_zone(name: str) -> str:
    """Return `name` when it is an IANA time zone (Asia/Shanghai), else raise ValueError."""
    if not _is_zone(name):
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Asia/Shanghai")
    return name


def check_vin(vin: str) -> str:
    """Return `vin` when it has 17 valid characters and the right check digit (position 9), else raise ValueError."""
    if not is_valid_vin(vin):
        raise ValueError("a VIN has 17 characters: digits and capital letters except I, O and Q")
    expected = vin_check_digit(vin)
    if vin[8] != expected:
        raise ValueError(f"bad check digit {vin[8]!r} at position 9 (expected {expected!r})")
    return vin


def parse_hours(value: Any) -> Any:
    """Return ``"08:30-18:00"`` as (08:30, 18:00); ``""``, ``"closed"`` and None as None (arrays pass unchanged)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "closed", "-")):
        return None
    if isinstance(value, str):
        starts, sep, ends = value.partition("-")
        if not sep:
            raise ValueError("opening hours look like 08:30-18:00, or closed")
        return (starts.strip(), ends.strip())
    return value


def check_span(value: tuple[time, time] | None) -> tuple[time, time] | None:
    """Return the (start, end) pair when the end is after the start, else raise ValueError."""
    if value is not None and value[1] <= value[0]:
        raise ValueError(f"ends at {value[1]:%H:%M}, not after it starts at {value[0]:%H:%M}")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
TimeZone = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(check_time_zone)]
Vin = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True), AfterValidator(check_vin)]
Codes = Annotated[tuple[Code, ...], BeforeValidator(split_list)]
Hours = Annotated[
    tuple[time, time] | None,
    BeforeValidator(parse_hours),
    AfterValidator(check_span),
    Field(description='"08:30-18:00", or "closed" / empty / null for a closed day'),
]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^\+?[0-9 ()-]{5,}$")]
