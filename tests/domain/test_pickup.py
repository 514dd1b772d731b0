"""Pickup and delivery planning: driving time both ways around the slot, radius, windows, the owner's time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from domain.pickup import PickupRefused, PickupService, driving_time, haversine_km, plan_pickup

CENTER = (45.75, 126.65)  # Harbin
SLOT = (
    datetime(2026, 12, 8, 2, 0, tzinfo=UTC),
    datetime(2026, 12, 8, 3, 30, tzinfo=UTC),
)  # 10:00-11:30 local
SERVICE = PickupService(offered=True, radius_km=20.0, fee=Decimal("50"), windows=((time(8), time(11)),))


def _plan(service: PickupService, lat: float, lon: float, **kw: object):  # noqa: ANN202
    return plan_pickup(
        service=service,
        center_lat=CENTER[0],
        center_lon=CENTER[1],
        center_tz="Asia/Shanghai",
        lat=lat,
        lon=lon,
        slot_start=SLOT[0],
        slot_end=SLOT[1],
        speed_kmh=25.0,
        **kw,  # type: ignore[arg-type]
    )


def test_driving_time_rounds_up_to_five_minutes() -> None:
    assert driving_time(10, speed_kmh=25) == timedelta(minutes=25)  # 24 min
    assert driving_time(12.5, speed_kmh=25) == timedelta(minutes=30)  # exactly 30
    assert driving_time(0, speed_kmh=25) == timedelta(0)


def test_the_slot_is_framed_by_the_driving_time_both_ways() -> None:
    lat = CENTER[0] + 0.09  # about 10 km north
    plan = _plan(SERVICE, lat, CENTER[1])
    assert plan.distance_km == pytest.approx(haversine_km(lat, CENTER[1], *CENTER), abs=0.05)
    assert plan.drive == timedelta(minutes=25)
    assert plan.pickup_at == SLOT[0] - timedelta(minutes=25)
    assert plan.delivery_at == SLOT[1] + timedelta(minutes=25)


def test_refused_when_not_offered_or_too_far() -> None:
    with pytest.raises(PickupRefused, match="does not offer"):
        _plan(PickupService(offered=False, radius_km=None, fee=None), CENTER[0], CENTER[1])
    with pytest.raises(PickupRefused, match="up to 20 km"):
        _plan(SERVICE, CENTER[0] + 0.5, CENTER[1])  # about 55 km


def test_refused_outside_the_pickup_windows_or_before_the_owner_is_ready() -> None:
    late = PickupService(offered=True, radius_km=20.0, fee=Decimal(0), windows=((time(13), time(16)),))
    with pytest.raises(PickupRefused, match="pickup hours"):
        _plan(late, CENTER[0] + 0.09, CENTER[1])
    with pytest.raises(PickupRefused, match="before the time you gave"):
        _plan(SERVICE, CENTER[0] + 0.09, CENTER[1], ready_at=SLOT[0] - timedelta(minutes=10))
    ok = _plan(SERVICE, CENTER[0] + 0.09, CENTER[1], ready_at=SLOT[0] - timedelta(minutes=30))
    assert ok.pickup_at == SLOT[0] - timedelta(minutes=25)
