"""Request and response models of booking actions (accept, decline, check-in, complete)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import RequestModel, UtcDateTime

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
    outcome: Literal["fault_confirmed", "no_fault_found"] | None = None
    muted: bool = False
