"""Pickup and delivery (pure): whether a center's driver can collect a car from an address, and when.

The workshop slot does not move: the driver leaves with the car the driving time before the slot starts and
brings it back the driving time after it ends. Driving time = great-circle distance / the average city speed
(``CARECAST_BOOKING__PICKUP_SPEED_KMH``), rounded up to 5 minutes. Refused when the center does not offer pickup,
the address is beyond its radius, the collection falls outside the center's pickup windows (local time), or
before the time the owner said the car is ready (``ready_at``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.errors import CarecastError

EARTH_RADIUS_KM = 6371.0088
_ROUND = timedelta(minutes=5)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


class PickupRefused(CarecastError):
    """The center cannot collect the car as asked; the message says why, in words an owner understands."""


@dataclass(frozen=True, slots=True)
class PickupService:
    """A center's pickup and delivery settings; `windows` are local (start, end) times, empty = any time."""

    offered: bool
    radius_km: float | None
    fee: Decimal | None
    windows: tuple[tuple[time, time], ...] = ()


@dataclass(frozen=True, slots=True)
class PickupPlan:
    """When the driver collects the car and brings it back (UTC), and how far it is."""

    distance_km: float
    drive: timedelta
    pickup_at: datetime
    delivery_at: datetime


def driving_time(distance_km: float, *, speed_kmh: float) -> timedelta:
    """Return the one-way driving time at `speed_kmh`, rounded up to 5 minutes."""
    steps = math.ceil(distance_km / speed_kmh * 60 / 5 - 1e-9)
    return max(steps, 0) * _ROUND


def plan_pickup(
    *,
    service: PickupService,
    center_lat: float,
    center_lon: float,
    center_tz: str,
    lat: float,
    lon: float,
    slot_start: datetime,
    slot_end: datetime,
    speed_kmh: float,
    ready_at: datetime | None = None,
) -> PickupPlan:
    """Return the pickup plan of a booked slot from (lat, lon); raise PickupRefused when it cannot be done."""
    if not service.offered:
        raise PickupRefused("this service center does not offer pickup and delivery")
    distance = haversine_km(lat, lon, center_lat, center_lon)
    if service.radius_km is not None and distance > service.radius_km:
        raise PickupRefused(
            f"the address is {distance:.1f} km from the service center; its drivers come up to "
            f"{service.radius_km:g} km"
        )
    drive = driving_time(distance, speed_kmh=speed_kmh)
    plan = PickupPlan(round(distance, 1), drive, slot_start - drive, slot_end + drive)
    if ready_at is not None and plan.pickup_at < ready_at:
        raise PickupRefused(
            f"for this slot the driver must collect the car at {plan.pickup_at:%Y-%m-%d %H:%M} UTC, before "
            "the time you gave; choose a later slot"
        )
    if not _in_windows(plan.pickup_at, service.windows, ZoneInfo(center_tz)):
        raise PickupRefused(
            f"for this slot the driver would collect the car at {plan.pickup_at.astimezone(ZoneInfo(center_tz)):%H:%M}"
            " local time, outside the center's pickup hours; choose another slot"
        )
    return plan


def _in_windows(at: datetime, windows: Sequence[tuple[time, time]], tz: ZoneInfo) -> bool:
    if not windows:
        return True
    local = at.astimezone(tz).time()
    return any(start <= local <= end for start, end in windows)


@dataclass(frozen=True, slots=True)
class PickupAddress:
    """Where the owner wants the car collected and, optionally, the earliest time it is ready (UTC)."""

    address: str
    lat: float
    lon: float
    ready_at: datetime | None = None
