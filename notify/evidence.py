"""Turn a risk's evidence JSON into readings a customer can follow: what was measured, when, against which limit.

Detection writes ``{"readings": [{"signal": VSS path, "aggregate": ..., "day": "2026-11-19", "value": ...,
"threshold": ..., "op": "<", ...}], "threshold": ..., <rule-specific facts>}``. Unknown signals fall back to their
VSS leaf name and catalog unit.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from core.signals import catalog
from notify.formatting import Formatter

_LV = "Vehicle.LowVoltageBattery.CurrentVoltage"
_SOH = "Vehicle.Powertrain.TractionBattery.StateOfHealth"
_PADS = "Vehicle.Chassis.Axle.*.Wheel.*.Brake.PadWear"
_AIR = "Vehicle.Exterior.AirTemperature"
_SERVICE_KM = "Vehicle.Service.DistanceToService"
_WIPER = "Vehicle.Body.Windshield.Front.Wiping.WiperWear"
_TYRES = "Vehicle.Chassis.Axle.*.Wheel.*.Tire.Pressure"

# (signal, aggregate) -> unit, English label, Chinese label. Aggregate None matches any.
_LABELS: dict[tuple[str, str | None], tuple[str, str, str]] = {
    (_LV, "cranking_min_20c"): ("V", "cranking voltage, corrected to 20 °C", "启动电压（折算到 20 °C）"),
    (_LV, "resting_avg"): ("V", "resting voltage while parked", "停车静置电压"),
    (_LV, None): ("V", "12V battery voltage", "12V 蓄电池电压"),
    (_SOH, None): ("%", "traction battery state of health", "动力电池健康度"),
    (_PADS, "max_over_wheels"): ("%", "brake pad wear, most worn wheel", "刹车片磨损（磨损最多的车轮）"),
    (_PADS, None): ("%", "brake pad wear", "刹车片磨损"),
    (_AIR, "daily_avg"): ("celsius", "daily average outside temperature", "当日平均车外气温"),
    (_AIR, "window_mean"): ("celsius", "average outside temperature", "平均车外气温"),
    (_AIR, None): ("celsius", "outside temperature", "车外气温"),
    (_SERVICE_KM, None): ("km", "distance left to the next service", "距下次保养剩余里程"),
    (_WIPER, None): ("%", "wiper blade wear", "雨刮片磨损"),
    (_TYRES, None): ("kPa", "tyre pressure, lowest tyre", "胎压（最低的轮胎）"),
}
_WHEELS = {"Row1.Wheel.Left": ("front-left", "左前"), "Row1.Wheel.Right": ("front-right", "右前"),
           "Row2.Wheel.Left": ("rear-left", "左后"), "Row2.Wheel.Right": ("rear-right", "右后")}  # fmt: skip

_OPS: dict[str, tuple[Callable[[Any, Any], bool], str, str]] = {
    "<": (operator.lt, "below", "低于"),
    "<=": (operator.le, "at or below", "不高于"),
    ">": (operator.gt, "above", "高于"),
    ">=": (operator.ge, "at or above", "达到或高于"),
}


@dataclass(frozen=True, slots=True)
class Reading:
    """One piece of evidence, formatted: label, value, when, limit, and whether the limit is crossed."""

    label: str
    value: str
    when: str
    limit: str
    detail: str
    crossed: bool


def readings(evidence: Mapping[str, Any], *, fmt: Formatter, last: int = 3) -> list[Reading]:
    """Return the latest `last` readings formatted for the customer, oldest first as detection listed them."""
    zh = fmt.locale.language == "zh"
    out = []
    for item in list(evidence.get("readings") or ())[-last:]:
        signal, aggregate = str(item.get("signal", "")), item.get("aggregate")
        unit, label = _label(signal, aggregate, zh=zh)
        value = _number(item.get("value"))
        threshold = _number(item.get("threshold"))
        op = _OPS.get(str(item.get("op", "")))
        limit = ""
        if threshold is not None:
            limit = fmt.quantity(threshold, unit)
            limit = f"{op[2 if zh else 1]} {limit}" if op else limit
        moment = item.get("ts") or item.get("day")
        out.append(
            Reading(
                label=label,
                value="" if value is None else fmt.quantity(value, unit),
                when=fmt.when(moment) if moment else "",
                limit=limit,
                detail=_detail(item, fmt=fmt, zh=zh),
                crossed=bool(op and value is not None and threshold is not None and op[0](value, threshold)),
            )
        )
    return out


def shared_limit(found: list[Reading]) -> tuple[list[Reading], str]:
    """Return the readings without their limit and that limit when they all share one (said once, not per line)."""
    limits = {r.limit for r in found}
    if len(found) < 2 or len(limits) != 1 or "" in limits:
        return found, ""
    return [replace(r, limit="") for r in found], limits.pop()


def window_mean(evidence: Mapping[str, Any], *, fmt: Formatter) -> Reading | None:
    """Return the seasonal rule's mean over its window as one reading, None when the evidence has none."""
    mean, threshold = _number(evidence.get("mean_c")), _number(evidence.get("threshold"))
    if mean is None:
        return None
    zh = fmt.locale.language == "zh"
    op = _OPS.get(str(evidence.get("op", "<")))
    days = evidence.get("window_days") or evidence.get("days_used")
    label = (f"近 {days} 天平均车外气温" if zh else f"{days}-day average outside temperature") if days else ""
    limit = "" if threshold is None else fmt.quantity(threshold, "celsius")
    return Reading(
        label=label or _LABELS[(_AIR, "window_mean")][2 if zh else 1],
        value=fmt.quantity(round(mean, 1), "celsius"),
        when="",
        limit=f"{op[2 if zh else 1]} {limit}" if op and limit else limit,
        detail="",
        crossed=bool(op and threshold is not None and op[0](mean, threshold)),
    )


def _label(signal: str, aggregate: str | None, *, zh: bool) -> tuple[str, str]:
    known = _LABELS.get((signal, aggregate)) or _LABELS.get((signal, None))
    if known is None and signal.endswith("Brake.PadWear"):
        wheel = next((names for key, names in _WHEELS.items() if key in signal), None)
        base = _LABELS[(_PADS, None)]
        if wheel is not None:
            return "%", f"{wheel[1]}{base[2]}" if zh else f"{wheel[0]} {base[1]}"
        known = base
    if known is not None:
        return known[0], known[2 if zh else 1]
    found = catalog().get(signal)
    return (found.unit if found else ""), signal.rsplit(".", 1)[-1]


def _detail(item: Mapping[str, Any], *, fmt: Formatter, zh: bool) -> str:
    """The cranking check's raw dip and the temperature it was measured at."""
    raw, temp = _number(item.get("raw_value")), _number(item.get("air_temp_c"))
    if raw is None or temp is None:
        return ""
    raw_s, temp_s = fmt.quantity(raw, "V"), fmt.quantity(temp, "celsius")
    return f"实测 {raw_s}，气温 {temp_s}" if zh else f"measured {raw_s} at {temp_s}"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
