"""Response models of the service-center feed."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import PartLine, PickupInfo, RiskSummary, TechnicianRef, UtcDateTime
from domain.pricing import Estimate
from domain.vocabulary import Locale, Powertrain, RiskKind, Segment, Severity

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
    locale: Locale


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
    estimate: Estimate | None = Field(
        default=None, description="The price the owner was shown; null when the center or a part has no price"
    )
    pickup: PickupInfo | None = Field(
        default=None, description="Collect the car at the owner's address (null: the owner brings it)"
    )


class SuggestedBookingPage(BaseModel):
    """One page of the feed, ordered by id; pass ``next_cursor`` back as ``cursor`` until it is null."""

    items: list[SuggestedBooking]
    next_cursor: str | None = Field(
        default=None, examples=["MTI0"], description="The next page; null on the last page"
    )
    resume_cursor: str | None = Field(
        default=None,
        examples=["MTI0"],
        description="Where a poller resumes later (set on the last page too): pass it as `cursor` to get only "
        "suggestions created since; null only while no suggestion has been seen",
    )


class CalendarLink(BaseModel):
    """A URL calendar apps can subscribe to without sending a header."""

    url: str = Field(examples=["https://api.example.com/v1/service-centers/3/calendar.ics?token=12.9f0c…"])
    token: str


CaseStage = Literal["detected", "notified", "booked", "checked_in", "serviced", "verified", "closed"]


class OpenCase(BaseModel):
    """A case (one risk of one car) that is not closed, with where it is in its lifecycle."""

    risk_id: int
    stage: CaseStage
    kind: RiskKind
    severity: Severity
    diagnosis: str
    predicted_date: date | None = None
    vehicle: VehicleRef
    booking_id: int | None = Field(default=None, description="The accepted booking, once booked")
    slot_start: UtcDateTime | None = None
    slot_end: UtcDateTime | None = None
    muted: bool = Field(description="The owner asked not to be reminded")
    notified_at: UtcDateTime | None = None
    booked_at: UtcDateTime | None = None
    checked_in_at: UtcDateTime | None = None
    serviced_at: UtcDateTime | None = None
    updated_at: UtcDateTime
    estimate: Estimate | None = Field(
        default=None, description="The price the owner was shown for the booking"
    )
    pickup: PickupInfo | None = Field(default=None, description="Pickup and delivery of the booking")


class OpenCasePage(BaseModel):
    """One page of open cases by risk id; pass ``next_cursor`` back as ``cursor`` until it is null."""

    items: list[OpenCase]
    next_cursor: str | None = Field(default=None, description="The next page; null on the last page")
    resume_cursor: str | None = Field(
        default=None, description="Where to continue later (cases opened since)"
    )
