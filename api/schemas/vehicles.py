"""Response models of the owner's view of one vehicle."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.centers import BookingStatus
from api.schemas.common import PartLine, PickupInfo, RiskSummary, UtcDateTime
from domain.pricing import Estimate
from domain.vocabulary import Locale


class CareMessage(BaseModel):
    """A care message written for the owner about one risk."""

    purpose: str = Field(examples=["first_notice"])
    locale: Locale
    subject: str
    body: str
    created_at: UtcDateTime


class CenterRef(BaseModel):
    """Where a booking option is."""

    id: int
    name: str = Field(examples=["Harbin Daoli 4S"])
    city: str = Field(examples=["Harbin"])


class BookingOption(BaseModel):
    """A concrete slot the owner can book for one risk."""

    id: int
    rank: int = Field(ge=1, le=3)
    status: BookingStatus
    center: CenterRef
    slot_start: UtcDateTime
    slot_end: UtcDateTime
    technician_name: str
    parts: list[PartLine]
    deadline: date | None = None
    distance_km: float
    estimate: Estimate | None = Field(
        default=None,
        description="The price before booking (docs/owner-booking.md); null when not all is priced",
    )
    pickup: PickupInfo | None = Field(
        default=None, description="Pickup and delivery, when the owner chose it"
    )


class VehicleAlert(RiskSummary):
    """One open or resolved risk of the owner's car, with its messages and booking options."""

    status: Literal["open", "resolved"]
    first_seen_at: UtcDateTime
    last_seen_at: UtcDateTime
    resolved_at: UtcDateTime | None = None
    messages: list[CareMessage]
    booking_options: list[BookingOption]


class VehicleAlerts(BaseModel):
    """Everything Carecast currently tells the owner about one car, newest risk first."""

    vin: str = Field(examples=["LSVAU2180N2183294"])
    model: str = Field(examples=["Lavida"])
    alerts: list[VehicleAlert]
