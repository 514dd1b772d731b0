"""What every risk's evidence has in common: the signals it cites, the readings, the comparison and the version.

The models mirror the JSON stored in ``risk.evidence`` key for key: a key the rule did not write stays absent
(`Shape.to_json` dumps only the fields that were set), keys these models do not know are kept as they are, and
numbers keep their JSON form (an integer stays an integer), so parsing a stored row and dumping it again gives back
exactly the same object.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

# What the evidence JSON of today's rules is. Rows written before evidence carried a version have none: they are 1.
EVIDENCE_VERSION = 1

# A JSON number kept as written: int stays int, float stays float (a float field would turn 80 into 80.0).
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]


class EvidenceSignal(StrEnum):
    """The VSS signals evidence readings cite; ``*`` stands for any axle or wheel (the rule read all of them).

    Every member names signals of the vendored VSS catalog (core/vss), with the catalog's unit
    (tests/domain/test_evidence.py checks both)."""

    LV_BATTERY_VOLTAGE = "Vehicle.LowVoltageBattery.CurrentVoltage"
    TRACTION_BATTERY_SOH = "Vehicle.Powertrain.TractionBattery.StateOfHealth"
    BRAKE_PAD_WEAR = "Vehicle.Chassis.Axle.*.Wheel.*.Brake.PadWear"
    BRAKE_FLUID_LEVEL = "Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.FluidLevel"
    AIR_TEMPERATURE = "Vehicle.Exterior.AirTemperature"
    WIPER_WEAR = "Vehicle.Body.Windshield.Front.Wiping.WiperWear"
    TYRE_PRESSURE = "Vehicle.Chassis.Axle.*.Wheel.*.Tire.Pressure"
    ENGINE_COOLANT_LEVEL = "Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level"
    SERVICE_DISTANCE = "Vehicle.Service.DistanceToService"
    SERVICE_TIME = "Vehicle.Service.TimeToService"
    DTC_LIST = "Vehicle.Diagnostics.DTCList"

    @property
    def unit(self) -> str | None:
        """Return the VSS unit of the signal's values (None: it has none)."""
        return _UNITS[self]


_UNITS: dict[EvidenceSignal, str | None] = {
    EvidenceSignal.LV_BATTERY_VOLTAGE: "V",
    EvidenceSignal.TRACTION_BATTERY_SOH: "percent",
    EvidenceSignal.BRAKE_PAD_WEAR: "percent",
    EvidenceSignal.BRAKE_FLUID_LEVEL: "percent",
    EvidenceSignal.AIR_TEMPERATURE: "Celsius",
    EvidenceSignal.WIPER_WEAR: "percent",
    EvidenceSignal.TYRE_PRESSURE: "kPa",
    EvidenceSignal.ENGINE_COOLANT_LEVEL: None,
    EvidenceSignal.SERVICE_DISTANCE: "km",
    EvidenceSignal.SERVICE_TIME: "s",
    EvidenceSignal.DTC_LIST: None,
}


def evidence_signal(path: str) -> EvidenceSignal | None:
    """Return the evidence signal a VSS path is or falls under (one wheel's pad wear is pad wear), else None."""
    try:
        return EvidenceSignal(path)
    except ValueError:
        return next((s for s in EvidenceSignal if "*" in s and fnmatchcase(path, s)), None)


class Comparison(StrEnum):
    """How a rule compares a value with its threshold: the comparison that holds when the value is a concern."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    def holds(self, value: float, threshold: float) -> bool:
        """Return True when `value` is on the concerning side of `threshold`."""
        return _COMPARE[self](value, threshold)


_COMPARE: dict[Comparison, Callable[[Any, Any], bool]] = {
    Comparison.LT: operator.lt,
    Comparison.LE: operator.le,
    Comparison.GT: operator.gt,
    Comparison.GE: operator.ge,
}


class Shape(BaseModel):
    """A piece of evidence JSON: keys as stored, unknown keys kept, only the keys that were set dumped."""

    model_config = ConfigDict(extra="allow", frozen=True, use_attribute_docstrings=True)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object as stored in ``risk.evidence``: exactly the keys that were set."""
        return self.model_dump(mode="json", exclude_unset=True)


class Reading(Shape):
    """One measurement behind a risk: which signal, which day, its value and the threshold it was compared with."""

    signal: str
    """VSS path (an `EvidenceSignal`; ``*`` = every axle or wheel)."""
    aggregate: str | None = None
    """How the day's samples were reduced, e.g. daily_avg, daily_min, max_over_wheels, cranking_min_20c."""
    day: date | None = None
    """The fleet day the value describes (05:00 to 05:00 China time)."""
    ts: str | None = Field(default=None, json_schema_extra={"format": "date-time"})
    """A moment instead of a day (ISO 8601); no rule writes it any more, older rows and fixtures have it."""
    value: Number | None = None
    threshold: Number | None = None
    """The rule's threshold for this reading."""
    op: Comparison | None = None
    """The comparison the rule applied: ``value op threshold`` holds when the reading is a concern."""
    raw_value: Number | None = None
    """battery_12v cranking check: the dip as measured, before the correction to 20 °C."""
    air_temp_c: Number | None = None
    """battery_12v cranking check: the day's lowest outside temperature the dip was corrected with."""
    estimate: Number | None = None
    """holiday_trip: the item's estimated level today (wear on a line, tyres at this week's temperature)."""

    @property
    def when(self) -> date | str | None:
        """Return the reading's day, or its timestamp text when it has a moment instead."""
        return self.ts or self.day

    @property
    def unit(self) -> str | None:
        """Return the VSS unit of the reading's signal (None when unknown or unitless)."""
        found = evidence_signal(self.signal)
        return found.unit if found else None

    @property
    def crossed(self) -> bool:
        """Return True when the value is on the concerning side of the threshold."""
        if self.op is None or self.value is None or self.threshold is None:
            return False
        return self.op.holds(float(self.value), float(self.threshold))


class Anomaly(Shape):
    """The vehicle's fleet-relative anomaly score (battery and brake flags of a full pass); evidence, not a vote."""

    group: str
    """Feature group: battery or brakes."""
    z: Number | None = None
    isolation: Number | None = None
    outlier: bool | None = None


class Evidence(Shape):
    """What every rule's evidence has: a version, the readings, the threshold and comparison, the anomaly score."""

    version: int = Field(default=EVIDENCE_VERSION, ge=1)
    """Shape version; absent in every row written so far, which is version 1."""
    readings: list[Reading] = []
    """The latest readings the rule judged, oldest first."""
    threshold: Number | None = None
    """The rule's threshold (in the readings' unit unless the kind says otherwise)."""
    op: Comparison | None = None
    """The comparison the rule applied to the threshold."""
    anomaly: Anomaly | None = None
    """Added by a full detection pass to battery_12v and brake_pads flags."""
