"""What a center's DMS pushes: appointments (a technician's time) and part reservations (stock), by its own ref."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import RequestModel, UtcDateTime


class AppointmentIn(RequestModel):
    """A DMS appointment: who, when, and whether it was cancelled."""

    model_config = ConfigDict(extra="forbid")

    employee_no: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        examples=["HRB01-017"],
        description="The technician's employee number at this center; null for work that takes a bay only",
    )
    starts: UtcDateTime = Field(examples=["2026-11-24T01:00:00Z"])
    ends: UtcDateTime = Field(examples=["2026-11-24T02:30:00Z"], description="After `starts`")
    cancelled: bool = False

    @model_validator(mode="after")
    def _ends_after_starts(self) -> Self:
        if self.ends <= self.starts:
            raise ValueError("ends must be after starts")
        if (self.ends - self.starts).days > 31:
            raise ValueError("an appointment lasts at most 31 days")
        return self


class Appointment(BaseModel):
    """The appointment as stored."""

    external_ref: str
    employee_no: str | None
    starts: UtcDateTime
    ends: UtcDateTime
    cancelled: bool
    updated_at: UtcDateTime


class ReservationLineIn(RequestModel):
    """One part reserved."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=100, examples=["BAT-12V-AGM70"])
    quantity: int = Field(gt=0, le=100_000, examples=[1])


class ReservationIn(RequestModel):
    """A DMS part reservation: its lines replace the previous ones of the same reference."""

    model_config = ConfigDict(extra="forbid")

    lines: list[ReservationLineIn] = Field(min_length=1, max_length=200)
    released: bool = Field(default=False, description="True once the parts were used or given back")

    @model_validator(mode="after")
    def _one_line_per_sku(self) -> Self:
        skus = [line.sku for line in self.lines]
        if len(set(skus)) != len(skus):
            raise ValueError("each SKU may appear once in a reservation")
        return self


class ReservationLine(BaseModel):
    """One stored line."""

    sku: str
    quantity: int


class Reservation(BaseModel):
    """The reservation as stored."""

    external_ref: str
    lines: list[ReservationLine]
    released: bool
    updated_at: UtcDateTime
