"""Request and response models of booking actions (accept, decline, check-in, complete)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import PickupInfo, RequestModel, UtcDateTime
from domain.pricing import Estimate

Stage = Literal["detected", "notified", "booked", "checked_in", "serviced", "verified", "closed"]


class PartUsed(RequestModel):
    """A part the workshop used."""

    sku: str = Field(min_length=1, max_length=64, examples=["BAT-12V-AGM70"])
    qty: int = Field(ge=1, le=100)


class CompleteRequest(RequestModel):
    """What the workshop found and used."""

    outcome: Literal["fault_confirmed", "no_fault_found"]
    parts_used: list[PartUsed] = Field(default_factory=list, max_length=50)


class DeclineRequest(RequestModel):
    """Why an option is declined; ``remind: false`` is the owner's "don't remind me"."""

    remind: bool = True


class PickupRequest(RequestModel):
    """Collect the car here: the center's driver comes the driving time before the slot and brings it back."""

    address: str = Field(min_length=1, max_length=500, examples=["Zhongshan Rd 12, Nangang, Harbin"])
    lat: float = Field(ge=-90, le=90, examples=[45.76])
    lon: float = Field(ge=-180, le=180, examples=[126.65])
    window_start: AwareDatetime | None = Field(
        default=None,
        description="The earliest time the car can be collected; the slot's pickup may not be earlier",
    )


class AcceptRequest(RequestModel):
    """Optional choices when the owner books an option; no body = bring the car to the center."""

    pickup: PickupRequest | None = None


class BookingState(BaseModel):
    """A booking option and the case it belongs to, after the action."""

    id: int
    risk_id: int
    status: Literal["suggested", "accepted", "declined", "expired"]
    stage: Stage
    center_id: int
    technician_id: int
    slot_start: UtcDateTime
    slot_end: UtcDateTime
    accepted_at: UtcDateTime | None = None
    accepted_by: Literal["owner", "center"] | None = None
    checked_in_at: UtcDateTime | None = None
    work_started_at: UtcDateTime | None = None
    outcome: Literal["fault_confirmed", "no_fault_found"] | None = None
    muted: bool = False
    estimate: Estimate | None = Field(
        default=None, description="The price shown to the owner (with the pickup fee)"
    )
    pickup: PickupInfo | None = None
