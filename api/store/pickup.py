"""Pickup and delivery on an owner's accept: check it against the center's settings (domain/pickup.py), then
record it and the estimate with the fee (core/bookings.py). Refusals are 422 ``pickup_refused`` with the reason."""

from __future__ import annotations

from datetime import time

import psycopg
from psycopg.rows import dict_row

from api.errors import ApiError
from api.sql import BOOKING_PICKUP_TERMS
from core import bookings
from core.db import query
from domain.pickup import PickupAddress, PickupPlan, PickupRefused, PickupService, plan_pickup
from domain.pricing import Estimate

FEE_CODE = "pickup_delivery"


def apply(
    conn: psycopg.Connection, *, booking_id: int, choice: PickupAddress, speed_kmh: float
) -> PickupPlan:
    """Plan the pickup of a locked option and store it; raise 422 when the center cannot do it."""
    row = (
        conn.cursor(row_factory=dict_row)
        .execute(query(BOOKING_PICKUP_TERMS), {"booking_id": booking_id})
        .fetchone()
    )
    assert row is not None  # the caller holds the row lock
    service = PickupService(
        offered=row["pickup_offered"],
        radius_km=row["pickup_radius_km"],
        fee=row["pickup_fee"],
        windows=tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in row["pickup_windows"]),
    )
    try:
        plan = plan_pickup(
            service=service,
            center_lat=row["lat_deg"],
            center_lon=row["lon_deg"],
            center_tz=row["tz"],
            lat=choice.lat,
            lon=choice.lon,
            slot_start=row["slot_start"],
            slot_end=row["slot_end"],
            speed_kmh=speed_kmh,
            ready_at=choice.ready_at,
        )
    except PickupRefused as exc:
        raise ApiError(422, "pickup_refused", str(exc)) from exc
    estimate = None
    if row["estimate"] is not None and service.fee is not None:
        estimate = Estimate.model_validate(row["estimate"]).with_fee(
            code=FEE_CODE, label="pickup and delivery", fee=service.fee
        )
    bookings.set_pickup(
        conn,
        booking_id=booking_id,
        address=choice.address,
        lat=choice.lat,
        lon=choice.lon,
        plan=plan,
        estimate=estimate,
    )
    return plan
