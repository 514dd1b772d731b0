"""Response models of the service-center feed."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import PartLine, RiskSummary, TechnicianRef, UtcDateTime
from core.contracts import Powertrain, Segment

BookingStatus = Literal["suggested", "accepted", "declined", "expired"]


class VehicleRef(BaseModel):
    """The car that is coming."""

    vin: str = Field(examples=["LSVAU2180N2183294"])
    model: str = Field(examples=["Lavida"])
    powertrain: Powertrain


class CustomerRef(BaseModel):
    """Who is coming, so the center can greet them properly."""

    name: str = Field(examples=["Li Na"])
    segment: Segment
    locale: Literal["zh-CN", "en"]


class SuggestedBooking(BaseModel):
    """A booking Carecast suggests to this center: risk, car, owner, slot, technician and parts."""

    id: int
    rank: int = Field(ge=1, le=3, description="1 = the best option offered to the owner")
    status: BookingStatus
    risk: RiskSummary
    vehicle: VehicleRef
    customer: CustomerRef
    slot_start: UtcDateTime
    slot_end: UtcDateTime
    technician: TechnicianRef
    parts: list[PartLine]
    deadline: date | None = Field(
        default=None, description="Act before this day; null when the risk has no date"
    )
    distance_km: float = Field(description="From the car's home area to the center")
    reason: str = Field(description="Why this center, slot and technician were chosen")
    created_at: UtcDateTime


class SuggestedBookingPage(BaseModel):
    """One page of the feed, ordered by id; pass ``next_cursor`` back as ``cursor`` until it is null."""

    items: list[SuggestedBooking]
    next_cursor: str | None = Field(default=None, examples=["MTI0"])
