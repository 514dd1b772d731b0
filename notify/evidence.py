"""Turn a risk's typed evidence (``domain.evidence``) into lines a customer can follow: what was measured, when,
against which limit.

Labels are the notifier's words for the evidence signals; a signal without one falls back to its VSS leaf name and
the catalog's unit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.signals import catalog
from domain.evidence import (
    Comparison,
    Evidence,
    EvidenceSignal,
    Reading,
    SummerCareEvidence,
    WinterPrepEvidence,
)
from notify.formatting import Formatter

_LV = EvidenceSignal.LV_BATTERY_VOLTAGE
_PADS = EvidenceSignal.BRAKE_PAD_WEAR
_AIR = EvidenceSignal.AIR_TEMPERATURE

# (signal, aggregate) -> English label, Chinese label. Aggregate None matches any.
_LABELS: dict[tuple[EvidenceSignal, str | None], tuple[str, str]] = {
    (_LV, "cranking_min_20c"): ("cranking voltage, corrected to 20 °C", "启动电压（折算到 20 °C）"),
    (_LV, "resting_avg"): ("resting voltage while parked", "停车静置电压"),
    (_LV, None): ("12V battery voltage", "12V 蓄电池电压"),
    (EvidenceSignal.TRACTION_BATTERY_SOH, None): ("traction battery state of health", "动力电池健康度"),
    (_PADS, "max_over_wheels"): ("brake pad wear, most worn wheel", "刹车片磨损（磨损最多的车轮）"),
    (_PADS, None): ("brake pad wear", "刹车片磨损"),
    (_AIR, "daily_avg"): ("daily average outside temperature", "当日平均车外气温"),
    (_AIR, "window_mean"): ("average outside temperature", "平均车外气温"),
    (_AIR, None): ("outside temperature", "车外气温"),
    (EvidenceSignal.SERVICE_DISTANCE, None): ("distance left to the next service", "距下次保养剩余里程"),
    (EvidenceSignal.WIPER_WEAR, None): ("wiper blade wear", "雨刮片磨损"),
    (EvidenceSignal.TYRE_PRESSURE, None): ("tyre pressure, lowest tyre", "胎压（最低的轮胎）"),
}
# The formatter's unit symbols for the VSS units of labelled signals.
_SYMBOLS = {"percent": "%", "Celsius": "celsius"}
_WHEELS = {"Row1.Wheel.Left": ("front-left", "左前"), "Row1.Wheel.Right": ("front-right", "右前"),
           "Row2.Wheel.Left": ("rear-left", "左后"), "Row2.Wheel.Right": ("rear-right", "右后")}  # fmt: skip

# comparison -> English, Chinese
_OPS: dict[Comparison, tuple[str, str]] = {
    Comparison.LT: ("below", "低于"),
    Comparison.LE: ("at or below", "不高于"),
    Comparison.GT: ("above", "高于"),
    Comparison.GE: ("at or above", "达到或高于"),
}


@dataclass(frozen=True, slots=True)
class Line:
    """One piece of evidence, formatted: label, value, when, limit, and whether the limit is crossed."""

    label: str
    value: str
    when: str
    limit: str
    detail: str
    crossed: bool


def readings(evidence: Evidence, *, fmt: Formatter, last: int = 3) -> list[Line]:
    """Return the latest `last` readings formatted for the customer, oldest first as detection listed them."""
    zh = fmt.locale.language == "zh"
    out = []
    for item in evidence.readings[-last:]:
        unit, label = _label(item, zh=zh)
        limit = ""
        if item.threshold is not None:
            limit = fmt.quantity(float(item.threshold), unit)
            limit = f"{_OPS[item.op][zh]} {limit}" if item.op else limit
        moment = item.when
        out.append(
            Line(
                label=label,
                value="" if item.value is None else fmt.quantity(float(item.value), unit),
                when=fmt.when(moment) if moment else "",
                limit=limit,
                detail=_detail(item, fmt=fmt, zh=zh),
                crossed=item.crossed,
            )
        )
    return out


def shared_limit(found: list[Line]) -> tuple[list[Line], str]:
    """Return the readings without their limit and that limit when they all share one (said once, not per line)."""
    limits = {r.limit for r in found}
    if len(found) < 2 or len(limits) != 1 or "" in limits:
        return found, ""
    return [replace(r, limit="") for r in found], limits.pop()


def window_mean(evidence: WinterPrepEvidence | SummerCareEvidence, *, fmt: Formatter) -> Line | None:
    """Return the seasonal rule's mean over its window as one line, None when the evidence has none."""
    if evidence.mean_c is None:
        return None
    mean = float(evidence.mean_c)
    threshold = None if evidence.threshold is None else float(evidence.threshold)
    zh = fmt.locale.language == "zh"
    op = evidence.op
    days = evidence.window_days or evidence.days_used
    label = (f"近 {days} 天平均车外气温" if zh else f"{days}-day average outside temperature") if days else ""
    limit = "" if threshold is None else fmt.quantity(threshold, "celsius")
    return Line(
        label=label or _LABELS[(_AIR, "window_mean")][zh],
        value=fmt.quantity(round(mean, 1), "celsius"),
        when="",
        limit=f"{_OPS[op][zh]} {limit}" if op and limit else limit,
        detail="",
        crossed=bool(op and threshold is not None and op.holds(mean, threshold)),
    )


def _label(item: Reading, *, zh: bool) -> tuple[str, str]:
    """Return the unit symbol and the label of a reading's signal."""
    signal = item.signal
    known = next((s for s in EvidenceSignal if s == signal), None)
    words = (_LABELS.get((known, item.aggregate)) or _LABELS.get((known, None))) if known else None
    if known and words:
        return _symbol(known.unit), words[zh]
    if signal.endswith("Brake.PadWear"):
        base = _LABELS[(_PADS, None)]
        wheel = next((names for key, names in _WHEELS.items() if key in signal), None)
        if wheel is not None:
            return "%", f"{wheel[1]}{base[1]}" if zh else f"{wheel[0]} {base[0]}"
        return "%", base[zh]
    found = catalog().get(signal)
    return (found.unit if found else ""), signal.rsplit(".", 1)[-1]


def _symbol(unit: str | None) -> str:
    return _SYMBOLS.get(unit or "", unit or "")


def _detail(item: Reading, *, fmt: Formatter, zh: bool) -> str:
    """The cranking check's raw dip and the temperature it was measured at."""
    if item.raw_value is None or item.air_temp_c is None:
        return ""
    raw_s, temp_s = fmt.quantity(float(item.raw_value), "V"), fmt.quantity(float(item.air_temp_c), "celsius")
    return f"实测 {raw_s}，气温 {temp_s}" if zh else f"measured {raw_s} at {temp_s}"
