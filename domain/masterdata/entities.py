"""The importable entities: each one's record, natural key and place in the import order; parsing a raw row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from domain.masterdata.centers import CalendarDays, Center
from domain.masterdata.customers import Customer, Vehicle
from domain.masterdata.errors import RowError
from domain.masterdata.parts import Part, Stock
from domain.masterdata.record import Record
from domain.masterdata.staff import Advisor, Technician
from domain.masterdata.visits import VisitRow

Key = tuple[Any, ...]


class EntityName(StrEnum):
    """What `carecast import ENTITY` takes, in the order a new dealer network is imported."""

    CENTERS = "centers"
    CALENDAR = "calendar"
    ADVISORS = "advisors"
    TECHNICIANS = "technicians"
    PARTS = "parts"
    STOCK = "stock"
    CUSTOMERS = "customers"
    VEHICLES = "vehicles"
    VISITS = "visits"


def _calendar_keys(record: Record) -> list[Key]:
    assert isinstance(record, CalendarDays)
    return [(record.center_code, day) for day in record.days()]


@dataclass(frozen=True, slots=True)
class Entity:
    """One importable entity: its record type, the fields of its natural key, and what it references."""

    name: EntityName
    record: type[Record]
    key_fields: tuple[str, ...]
    summary: str
    references: tuple[str, ...] = ()
    # The keys one record stands for (a calendar range stands for each of its days).
    expand: Callable[[Record], list[Key]] | None = None

    def keys(self, record: Record) -> list[Key]:
        """Return the natural keys `record` writes (one, or one per day of a calendar range)."""
        if self.expand is not None:
            return self.expand(record)
        return [tuple(getattr(record, name) for name in self.key_fields)]

    def columns(self) -> tuple[str, ...]:
        """Return every column (CSV) / field (JSON Lines) the record has, in order."""
        return tuple(self.record.model_fields)

    def required(self) -> tuple[str, ...]:
        """Return the columns every file must have."""
        return tuple(name for name, field in self.record.model_fields.items() if field.is_required())


ENTITIES: dict[EntityName, Entity] = {
    e.name: e
    for e in (
        Entity(EntityName.CENTERS, Center, ("code",), "Service centers: address, hours, bays, rate, brands."),
        Entity(EntityName.CALENDAR, CalendarDays, ("center_code", "date"),
               "A center's closed days, public holidays and make-up workdays (ranges expand to days).",
               references=("centers",), expand=_calendar_keys),
        Entity(EntityName.ADVISORS, Advisor, ("employee_no",), "Service advisors.", references=("centers",)),
        Entity(EntityName.TECHNICIANS, Technician, ("employee_no",),
               "Technicians with skills, weekly shifts and absences.", references=("centers",)),
        Entity(EntityName.PARTS, Part, ("sku",), "Parts and their list price."),
        Entity(EntityName.STOCK, Stock, ("center_code", "sku"), "Stock of a part at a center.",
               references=("centers", "parts")),
        Entity(EntityName.CUSTOMERS, Customer, ("ref",), "Customers: contact, consent, preferred center, advisor.",
               references=("centers", "advisors")),
        Entity(EntityName.VEHICLES, Vehicle, ("vin",), "Vehicles and their owners.", references=("customers",)),
        Entity(EntityName.VISITS, VisitRow, ("source", "center_code", "external_ref"),
               "Workshop visits from the dealer system (the service history).",
               references=("vehicles", "centers", "technicians")),
    )
}  # fmt: skip


def _reason(error: Mapping[str, Any]) -> str:
    kind, msg = error.get("type", ""), str(error.get("msg", "invalid value"))
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown field"
    return msg.removeprefix("Value error, ")


def parse_row(entity: Entity, raw: Mapping[str, Any], *, line: int) -> Record | list[RowError]:
    """Return the validated record of one raw row (CSV text or JSON values), or one RowError per bad field."""
    try:
        return entity.record.model_validate(raw)
    except ValidationError as exc:
        return [
            RowError(line, str(err["loc"][0]) if err["loc"] else None, _reason(err)) for err in exc.errors()
        ]
