"""The VSS 6.0 signal catalog (vendored, MPL-2.0, see core/vss/NOTICE.md) and its mapping onto telemetry columns."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Signal:
    """One VSS signal: path, datatype, unit and allowed range or values."""

    path: str
    kind: str  # sensor | actuator | attribute
    datatype: str
    unit: str
    min: float | None
    max: float | None
    allowed: tuple[str, ...]


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


# VSS datatypes with an implicit range.
_INT_RANGES = {
    "uint8": (0, 255),
    "uint16": (0, 65535),
    "uint32": (0, 4294967295),
    "int8": (-128, 127),
    "int16": (-32768, 32767),
    "int32": (-2147483648, 2147483647),
}


@cache
def catalog() -> dict[str, Signal]:
    """Return the vendored catalog keyed by VSS path."""
    raw = json.loads(resources.files("core.vss").joinpath("signals.json").read_text("utf-8"))
    out: dict[str, Signal] = {}
    for item in raw["signals"]:
        allowed = item.get("Allowed") or ""
        values = tuple(json.loads(allowed.replace("'", '"'))) if allowed.startswith("[") else ()
        lo, hi = _number(item["Min"]), _number(item["Max"])
        if item["DataType"] in _INT_RANGES:
            ilo, ihi = _INT_RANGES[item["DataType"]]
            lo = ilo if lo is None else lo
            hi = ihi if hi is None else hi
        out[item["Signal"]] = Signal(
            path=item["Signal"],
            kind=item["Type"],
            datatype=item["DataType"],
            unit=item["Unit"],
            min=lo,
            max=hi,
            allowed=values,
        )
    return out


# VSS path -> typed telemetry column (unit in the column name). Signals not listed here are kept in `extra` jsonb.
COLUMNS: dict[str, str] = {
    "Vehicle.LowVoltageBattery.CurrentVoltage": "lv_voltage_v",
    "Vehicle.LowVoltageBattery.CurrentCurrent": "lv_current_a",
    "Vehicle.Powertrain.TractionBattery.StateOfHealth": "hv_soh_pct",
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current": "hv_soc_pct",
    "Vehicle.Powertrain.TractionBattery.Temperature.Average": "hv_temp_avg_c",
    "Vehicle.Powertrain.TractionBattery.CellVoltage.Min": "hv_cell_min_v",
    "Vehicle.Powertrain.TractionBattery.CellVoltage.Max": "hv_cell_max_v",
    "Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear": "pad_wear_fl_pct",
    "Vehicle.Chassis.Axle.Row1.Wheel.Right.Brake.PadWear": "pad_wear_fr_pct",
    "Vehicle.Chassis.Axle.Row2.Wheel.Left.Brake.PadWear": "pad_wear_rl_pct",
    "Vehicle.Chassis.Axle.Row2.Wheel.Right.Brake.PadWear": "pad_wear_rr_pct",
    "Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.FluidLevel": "brake_fluid_pct",
    "Vehicle.TraveledDistance": "odometer_m",
    "Vehicle.Speed": "speed_kmh",
    "Vehicle.Exterior.AirTemperature": "air_temp_c",
    "Vehicle.CurrentLocation.Latitude": "lat_deg",
    "Vehicle.CurrentLocation.Longitude": "lon_deg",
    "Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level": "coolant_level",
    "Vehicle.Body.Windshield.Front.Wiping.WiperWear": "wiper_wear_pct",
    "Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure": "tire_fl_kpa",
    "Vehicle.Chassis.Axle.Row1.Wheel.Right.Tire.Pressure": "tire_fr_kpa",
    "Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure": "tire_rl_kpa",
    "Vehicle.Chassis.Axle.Row2.Wheel.Right.Tire.Pressure": "tire_rr_kpa",
    "Vehicle.Diagnostics.DTCCount": "dtc_count",
    "Vehicle.Service.DistanceToService": "service_km",
    "Vehicle.Service.TimeToService": "service_s",
}

# Column order of the telemetry COPY; ingest writes exactly these, in this order.
TELEMETRY_COLUMNS: tuple[str, ...] = ("vehicle_id", "ts", *COLUMNS.values(), "extra")


def check_value(signal: Signal, value: object) -> str | None:
    """Return None when `value` fits the signal's datatype and range, else a machine-readable reason."""
    dt = signal.datatype
    if dt == "boolean":
        return None if isinstance(value, bool) else "wrong_type"
    if dt == "string":
        if not isinstance(value, str):
            return "wrong_type"
        return "not_allowed" if signal.allowed and value not in signal.allowed else None
    if dt == "string[]":
        return None if isinstance(value, list) and all(isinstance(v, str) for v in value) else "wrong_type"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "wrong_type"
    if isinstance(value, float) and not math.isfinite(value):
        return "not_finite"
    if dt in _INT_RANGES and isinstance(value, float) and not value.is_integer():
        return "wrong_type"
    if (signal.min is not None and value < signal.min) or (signal.max is not None and value > signal.max):
        return "out_of_range"
    return None
