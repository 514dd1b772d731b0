"""What the advisor reads instead of codes (pure, no I/O): a risk kind, its diagnosis, severity and case stage in
zh-CN and en, a risk's readings in units with every wheel combined on one line, and a time with its zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.views.dtc_text import code_lines
from domain.evidence import OwnerRequestEvidence, SummerCareEvidence, WinterPrepEvidence, parse_evidence
from domain.evidence.common import EvidenceSignal, evidence_signal

# kind -> (en, zh-CN)
KINDS: dict[str, tuple[str, str]] = {
    "battery_12v": ("12 V battery weak", "12V蓄电池电量不足"),
    "ev_battery_soh": ("Traction battery health falling", "动力电池健康度下降"),
    "brake_pads": ("Brake pads wearing out", "刹车片磨损"),
    "winter_prep": ("Winter check", "冬季检查"),
    "maintenance_due": ("Maintenance due", "保养到期"),
    "wipers": ("Wiper blades worn", "雨刮片磨损"),
    "tyre_pressure": ("Tyre pressure low", "胎压偏低"),
    "summer_care": ("Summer check", "夏季检查"),
    "holiday_trip": ("Check before the holiday trip", "节前出行检查"),
    "owner_request": ("The owner's own request", "车主报修"),
    "dtc": ("Diagnostic trouble code stored", "车辆存储故障码"),
}
_OTHER_KIND = ("Care needed", "需要关怀")

# diagnosis -> (en, zh-CN): why the rule raised it
DIAGNOSES: dict[str, tuple[str, str]] = {
    "high_internal_resistance": (
        "the voltage dips further at start than a healthy battery's",
        "启动时电压跌落比健康电池更深",
    ),
    "low_state_of_charge": (
        "the resting voltage stays low: the battery is not kept charged",
        "静置电压偏低，电量不足",
    ),
    "soh_below_threshold": ("state of health is below the check level", "健康度已低于检测线"),
    "soh_below_threshold_soon": ("state of health will reach the check level soon", "健康度即将低于检测线"),
    "pads_worn": ("the pads are at the replacement limit", "刹车片已到更换极限"),
    "pads_near_limit": ("the pads will reach the replacement limit soon", "刹车片即将到达更换极限"),
    "low_brake_fluid": ("the brake fluid level is low", "制动液液位偏低"),
    "service_overdue": ("the scheduled service is overdue", "定期保养已逾期"),
    "service_due_soon": ("the scheduled service is due soon", "定期保养即将到期"),
    "winter_onset": ("cold weather is coming", "寒潮将至"),
    "summer_onset": ("hot weather is coming", "高温将至"),
    "wipers_worn": ("the wiper blades are worn", "雨刮片已磨损"),
    "wipers_near_limit": ("the wiper blades are nearly worn", "雨刮片即将磨损到限"),
    "slow_leak": ("a tyre is slowly losing pressure", "轮胎缓慢漏气"),
    "cold_underinflation": ("the tyres will be under-inflated in the cold", "降温后胎压将不足"),
    "low_pressure": ("the tyre pressure is low", "胎压偏低"),
    "before_spring_festival": ("a long trip before the Spring Festival", "春节长途出行前"),
    "before_national_day": ("a long trip before National Day", "国庆长途出行前"),
    "dtc_mil": ("a fault code is confirmed and the warning lamp is on", "故障码已确认，故障灯亮起"),
    "dtc_confirmed": ("a fault code is confirmed", "故障码已确认"),
    "dtc_recurring": ("a pending fault code keeps coming back", "待定故障码反复出现"),
}

SEVERITIES: dict[str, tuple[str, str]] = {
    "low": ("low urgency", "低"),
    "medium": ("medium urgency", "中"),
    "high": ("urgent", "紧急"),
}

STAGES: dict[str, tuple[str, str]] = {
    "detected": ("detected", "已发现"),
    "notified": ("owner told", "已通知车主"),
    "booked": ("booked", "已预约"),
    "checked_in": ("car at the workshop", "车辆已到店"),
    "working": ("work in progress", "维修中"),
    "serviced": ("serviced", "已完成维修"),
    "verified": ("fix confirmed", "已确认修复"),
    "closed": ("closed", "已关闭"),
}

# evidence signal -> (en, zh-CN, unit shown, whether the limit is "limit" or a threshold the value falls under)
SIGNALS: dict[EvidenceSignal, tuple[str, str, str]] = {
    EvidenceSignal.LV_BATTERY_VOLTAGE: ("12 V battery voltage", "12V 蓄电池电压", "V"),
    EvidenceSignal.TRACTION_BATTERY_SOH: ("traction battery health", "动力电池健康度", "%"),
    EvidenceSignal.BRAKE_PAD_WEAR: ("pad wear", "刹车片磨损", "%"),
    EvidenceSignal.BRAKE_FLUID_LEVEL: ("brake fluid level", "制动液液位", "%"),
    EvidenceSignal.AIR_TEMPERATURE: ("outside temperature", "车外气温", "°C"),
    EvidenceSignal.WIPER_WEAR: ("wiper blade wear", "雨刮片磨损", "%"),
    EvidenceSignal.TYRE_PRESSURE: ("tyre pressure", "胎压", "kPa"),
    EvidenceSignal.ENGINE_COOLANT_LEVEL: ("coolant level", "冷却液液位", ""),
    EvidenceSignal.SERVICE_DISTANCE: ("distance to the next service", "距下次保养里程", "km"),
    EvidenceSignal.SERVICE_TIME: ("days to the next service", "距下次保养天数", "d"),
    EvidenceSignal.DTC_LIST: ("stored fault codes", "存储的故障码", ""),
}
_OTHER_SIGNAL = ("reading", "读数", "")


def _pick(words: tuple[str, str], locale: str) -> str:
    return words[1] if locale == "zh-CN" else words[0]


def kind_label(kind: str, locale: str) -> str:
    """Return the risk kind in words ("12 V battery weak")."""
    return _pick(KINDS.get(kind, _OTHER_KIND), locale)


def why_label(diagnosis: str | None, locale: str) -> str:
    """Return why the rule raised the risk in words; empty when the diagnosis is not one we have words for."""
    words = DIAGNOSES.get(diagnosis or "")
    return _pick(words, locale) if words else ""


def severity_label(severity: str | None, locale: str) -> str:
    """Return the severity in words (empty when unknown)."""
    words = SEVERITIES.get(severity or "")
    return _pick(words, locale) if words else ""


def stage_label(stage: str | None, locale: str, *, work_started: bool = False) -> str:
    """Return the case stage in words; a checked-in car whose work started is "work in progress"."""
    key = "working" if stage == "checked_in" and work_started else (stage or "detected")
    return _pick(STAGES.get(key, STAGES["detected"]), locale)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _span(values: list[float], unit: str) -> str:
    lo, hi = min(values), max(values)
    text = _number(lo) if lo == hi else f"{_number(lo)}–{_number(hi)}"
    return f"{text} {unit}".rstrip()


def reading_lines(kind: str, evidence: Mapping[str, Any], *, locale: str) -> list[str]:
    """Return one line per signal, every wheel and day combined: "pad wear 78–82 % (limit 80 %)"; the owner's own
    words for a request; a seasonal rule's mean temperature. Never a VSS path."""
    if kind == "dtc":
        return code_lines(evidence, locale=locale)
    zh = locale == "zh-CN"
    typed = parse_evidence(kind, evidence)
    grouped: dict[EvidenceSignal | None, tuple[list[float], list[float]]] = {}
    for r in typed.readings:
        values, limits = grouped.setdefault(evidence_signal(r.signal), ([], []))
        if r.value is not None:
            values.append(float(r.value))
        if r.threshold is not None:
            limits.append(float(r.threshold))
    lines = []
    for signal, (values, limits) in grouped.items():
        en, cn, unit = SIGNALS.get(signal, _OTHER_SIGNAL) if signal else _OTHER_SIGNAL
        if not values:
            continue
        line = f"{cn if zh else en} {_span(values, unit)}"
        if limits:
            line += f"（限值 {_span(limits, unit)}）" if zh else f" (limit {_span(limits, unit)})"
        lines.append(line)
    if isinstance(typed, OwnerRequestEvidence) and typed.text:
        lines.append(("车主：" if zh else "Owner: ") + typed.text + (" 📷" if typed.photo else ""))
    if isinstance(typed, WinterPrepEvidence | SummerCareEvidence) and typed.mean_c is not None:
        days = typed.window_days or typed.days_used
        label = f"近 {days} 天平均车外气温" if zh else f"{days}-day mean outside temperature"
        lines.append(f"{label} {_number(float(typed.mean_c))} °C")
    return lines


def zoned(moment: datetime, tz: str) -> str:
    """Return a moment in the zone, the zone always visible: "2026-12-08 09:00 CST (Asia/Shanghai)", or with the
    UTC offset where the zone has no letter abbreviation ("2026-12-08 09:00 +04:00 (Asia/Dubai)")."""
    local = moment.astimezone(ZoneInfo(tz))
    abbr = local.strftime("%Z")
    if not abbr.isalpha():
        offset = local.strftime("%z")
        abbr = f"{offset[:3]}:{offset[3:]}"
    return f"{local:%Y-%m-%d %H:%M} {abbr} ({tz})"
