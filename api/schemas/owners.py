"""Response models of the owner's vehicles, health summary and booking options."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDateTime
from api.schemas.vehicles import BookingOption
from domain.vocabulary import Powertrain, RiskKind, Severity

ComponentStatus = Literal["ok", "attention", "unknown"]


class OwnerVehicle(BaseModel):
    """One of the owner's cars and how many issues are open on it."""

    vin: str = Field(examples=["LSVAU2180N2183294"])
    model: str = Field(examples=["ID.4"])
    model_year: int = Field(examples=[2022])
    powertrain: Powertrain
    open_alerts: int = Field(ge=0)


class OwnerVehicles(BaseModel):
    """Every car of the owner, by VIN."""

    items: list[OwnerVehicle]


class InboxItem(BaseModel):
    """One message the in-app channel delivered (several due messages of one owner arrive merged in one item)."""

    id: int
    subject: str
    body: str
    created_at: UtcDateTime
    read_at: UtcDateTime | None = None


class Inbox(BaseModel):
    """The owner's in-app inbox, newest first."""

    items: list[InboxItem]


class RiskBrief(BaseModel):
    """The open risk behind a component's ``attention`` status."""

    severity: Severity
    diagnosis: str = Field(examples=["low_state_of_charge"])
    predicted_date: date | None = None
    predicted_low: date | None = None
    predicted_high: date | None = None


class Battery12V(BaseModel):
    """The 12V battery from the latest daily readings."""

    status: ComponentStatus
    resting_voltage: float | None = Field(default=None, description="Parked, no load (healthy ~12.6 V)")
    lowest_voltage: float | None = Field(default=None, description="The day's lowest (the cranking dip)")
    as_of: date | None = None
    risk: RiskBrief | None = None


class SohBand(BaseModel):
    """The fitted SOH trend projected `horizon_days` after the last reading, with the rule's 90 % band (domain/soh_trend.py)."""

    horizon_days: int = Field(examples=[365])
    slope_per_year: float = Field(examples=[-2.1], description="Percentage points per year")
    expected: float = Field(examples=[88.4])
    low: float = Field(examples=[87.9])
    high: float = Field(examples=[88.9])


class TractionBattery(BaseModel):
    """An EV's traction battery: the latest state of health and where it is heading."""

    status: ComponentStatus
    state_of_health: float | None = Field(default=None, examples=[90.6], description="Percent")
    as_of: date | None = None
    threshold: float = Field(examples=[80.0], description="Below this the battery is due for a check")
    forecast: SohBand | None = Field(default=None, description="Null until there are enough daily readings")
    risk: RiskBrief | None = None


class BrakePads(BaseModel):
    """The most worn pad of the car (0 = new, 100 = worn)."""

    status: ComponentStatus
    wear_percent: float | None = Field(default=None, examples=[42.0])
    replace_at_percent: float = Field(examples=[80.0])
    as_of: date | None = None
    risk: RiskBrief | None = None


class UpcomingCare(BookingOption):
    """A booked visit or a live booking option, with the issue it is for."""

    kind: RiskKind


class HealthSummary(BaseModel):
    """The car's health at a glance: 12V battery, traction battery (EVs), brake pads and upcoming care."""

    vin: str
    model: str
    powertrain: Powertrain
    battery_12v: Battery12V
    ev_battery: TractionBattery | None = Field(default=None, description="Null for combustion cars")
    brake_pads: BrakePads
    upcoming_care: list[UpcomingCare]


class BookingOptions(BaseModel):
    """Live booking options and booked visits of one car, soonest first."""

    vin: str
    items: list[UpcomingCare]
