"""Request and response models of the service history: visits a center's dealer system (DMS) reports, what
recording them did, and a vehicle's visits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import NulFreeStr, RequestModel, UtcDateTime
from domain.service_visit import VisitProblemCode, WorkCode

VIN_PATTERN = "^[A-HJ-NPR-Z0-9]{17}$"


class VisitIn(RequestModel):
    """One workshop visit as the dealer system records it (the fields of ``domain.service_visit.ServiceVisit``)."""

    vin: str = Field(pattern=VIN_PATTERN, examples=["LSVAU2180N2183294"])
    center_code: NulFreeStr | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The center's code; defaults to the path's center",
    )
    external_ref: NulFreeStr = Field(
        min_length=1, max_length=128, description="The DMS work-order number, unique per center"
    )
    visited_at: UtcDateTime = Field(description="When the work was done, with a time zone offset")
    work: list[WorkCode] = Field(max_length=20, description="What was done (work codes, see docs/dms.md)")
    odometer_km: int | None = Field(default=None, ge=0, le=3_000_000)
    parts: list[NulFreeStr] = Field(default_factory=list, max_length=50, description="SKUs of the parts used")
    technician_employee_no: NulFreeStr | None = Field(default=None, min_length=1, max_length=64)


class VisitBatch(RequestModel):
    """Several visits at once; each is recorded or refused on its own."""

    # 200 typical visits (about 250 bytes each) fit the 64 KiB body limit (CARECAST_API__MAX_BODY_BYTES)
    visits: list[VisitIn] = Field(min_length=1, max_length=200)


class VisitProblemOut(BaseModel):
    """A visit that was not recorded: its position in the batch, its keys and why."""

    index: int
    vin: str
    center_code: str
    external_ref: str
    code: VisitProblemCode
    message: str


class VisitReportOut(BaseModel):
    """What recording the visits did; a repeat of an already recorded visit counts as unchanged."""

    created: int
    updated: int
    unchanged: int
    cases_serviced: int = Field(description="Open risks the visits' work fixed, now waiting for verification")
    problems: list[VisitProblemOut]


class VisitOut(BaseModel):
    """One visit of a vehicle's service history."""

    source: Literal["carecast", "dms"]
    center_code: str | None
    external_ref: str
    visited_at: UtcDateTime
    odometer_km: int | None
    work: list[str]
    parts: list[str]
    technician_employee_no: str | None
    recorded_at: UtcDateTime


class VisitHistory(BaseModel):
    """A vehicle's service history, newest visit first."""

    vin: str
    visits: list[VisitOut]
