"""A service-visit row of an import file, turned into the `ServiceVisit` the service history records."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, Field

from domain.masterdata.fields import Code, Codes, Vin, split_list
from domain.masterdata.record import Record
from domain.service_visit import ServiceVisit, VisitSource, WorkCode


class VisitRow(Record):
    """One workshop visit: the vehicle, the center, the work-order number and what was done."""

    vin: Vin
    center_code: Code
    external_ref: Code = Field(description="the DMS work-order number, unique per center")
    visited_at: AwareDatetime
    work: Annotated[tuple[WorkCode, ...], BeforeValidator(split_list)] = Field(min_length=1)
    odometer_km: int | None = Field(default=None, ge=0, le=2_000_000)
    parts: Codes = Field(default=(), description="SKUs")
    technician_employee_no: Code | None = None
    source: VisitSource = VisitSource.DMS

    def visit(self) -> ServiceVisit:
        """Return the visit as the service history takes it."""
        return ServiceVisit(
            vin=self.vin,
            center_code=self.center_code,
            external_ref=self.external_ref,
            visited_at=self.visited_at,
            work=self.work,
            odometer_km=self.odometer_km,
            parts=self.parts,
            technician_employee_no=self.technician_employee_no,
            source=self.source,
        )
