"""Words of the advisor page in zh-CN and en, which language a request gets, and a risk's evidence as lines an
advisor reads (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.evidence import (
    Comparison,
    OwnerRequestEvidence,
    SummerCareEvidence,
    WinterPrepEvidence,
    parse_evidence,
)
from domain.vocabulary import LOCALES

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Carecast — service advisor",
        "login": "Log in",
        "key": "Service-center API key",
        "login_help": "Paste the key your administrator created with `carecast keys create`.",
        "bad_key": "This key is invalid, revoked, or not a service-center key.",
        "bad_form": "The form expired; please try again.",
        "logout": "Log out",
        "suggestions": "Suggested bookings",
        "booked": "Booked",
        "none": "Nothing here right now.",
        "slot": "Slot",
        "car": "Car",
        "customer": "Customer",
        "issue": "Issue",
        "evidence": "Evidence",
        "technician": "Technician",
        "parts": "Parts",
        "estimate": "Price shown to the owner",
        "pickup": "Pickup",
        "accept": "Accept",
        "decline": "Decline",
        "accepted": "Booking accepted.",
        "declined": "Booking declined.",
        "refused": "That booking could not be changed: ",
        "cases": "Open cases",
        "stage": "Stage",
        "conflicts": "Bookings to rebook",
        "outreach": "Outreach tasks",
        "survey_alerts": "Survey alerts",
        "reason": "Reason",
        "scores": "Answers",
        "since": "Since",
        "replies": "Replies from owners",
        "reply": "Reply",
        "received": "Received",
        "via_email": "e-mail",
        "via_sms": "SMS",
        "language": "中文",
    },
    "zh-CN": {
        "title": "Carecast — 服务顾问",
        "login": "登录",
        "key": "服务站 API 密钥",
        "login_help": "请粘贴管理员用 `carecast keys create` 创建的密钥。",
        "bad_key": "密钥无效、已吊销，或不是服务站密钥。",
        "bad_form": "表单已过期，请重试。",
        "logout": "退出",
        "suggestions": "建议预约",
        "booked": "已预约",
        "none": "暂无内容。",
        "slot": "时段",
        "car": "车辆",
        "customer": "客户",
        "issue": "问题",
        "evidence": "依据",
        "technician": "技师",
        "parts": "配件",
        "estimate": "已向车主展示的报价",
        "pickup": "上门取送车",
        "accept": "接受",
        "decline": "拒绝",
        "accepted": "预约已接受。",
        "declined": "预约已拒绝。",
        "refused": "无法更改该预约：",
        "cases": "进行中的案例",
        "stage": "阶段",
        "conflicts": "需改约的预约",
        "outreach": "回访任务",
        "survey_alerts": "满意度预警",
        "reason": "原因",
        "scores": "回答",
        "since": "起始",
        "replies": "客户回复",
        "reply": "回复内容",
        "received": "收到时间",
        "via_email": "邮件",
        "via_sms": "短信",
        "language": "English",
    },
}


def choose_locale(*, requested: str | None, cookie: str | None, accept_language: str | None) -> str:
    """Return the page language: an explicit choice, then the remembered one, then Accept-Language, then zh-CN."""
    for value in (requested, cookie):
        if value in LOCALES:
            return value
    weighted = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(weighted):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "zh-CN"


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """One line of a risk's evidence on the page: the signal it reads (full VSS path) and what it says."""

    signal: str
    text: str


# comparison -> (en, zh-CN) words of "the rule alerts when the value is ... the threshold"
_ALERT = {
    Comparison.LT: ("alert below", "低于"),
    Comparison.LE: ("alert at or below", "不高于"),
    Comparison.GT: ("alert above", "高于"),
    Comparison.GE: ("alert at or above", "达到或高于"),
}
_SYMBOLS = {"percent": "%", "Celsius": "°C"}
_MEAN = ("{days}-day mean outside temperature", "近 {days} 天平均车外气温")


def evidence_lines(kind: str, evidence: Mapping[str, Any], *, locale: str) -> list[EvidenceLine]:
    """Return the risk's readings (and a seasonal rule's weekly mean) as lines that state the rule's comparison:
    ``StateOfHealth 82.43 % · 2026-11-21 · alert below 80 %``, marked ⚠ where the value is past the threshold."""
    zh = locale == "zh-CN"
    typed = parse_evidence(kind, evidence)
    lines = [
        EvidenceLine(
            r.signal, _line(r.signal.rsplit(".", 1)[-1], r.value, r.when, r.op, r.threshold, r.unit, zh=zh)
        )
        for r in typed.readings
    ]
    if isinstance(typed, OwnerRequestEvidence):
        said = ("车主：" if zh else "Owner: ") + (typed.text or "")
        lines.append(EvidenceLine(str(typed.category or "other"), said + (" 📷" if typed.photo else "")))
    if isinstance(typed, WinterPrepEvidence | SummerCareEvidence) and typed.mean_c is not None:
        label = _MEAN[zh].format(days=typed.window_days or typed.days_used)
        lines.append(
            EvidenceLine(label, _line(label, typed.mean_c, None, typed.op, typed.threshold, "Celsius", zh=zh))
        )
    return lines


def _line(
    name: str,
    value: float | None,
    when: object,
    op: Comparison | None,
    threshold: float | None,
    unit: str | None,
    *,
    zh: bool,
) -> str:
    symbol = _SYMBOLS.get(unit or "", unit or "")
    parts = [f"{name} {_quantity(value, symbol)}".strip()]
    if when is not None:
        parts.append(str(when))
    crossed = False
    if op is not None and threshold is not None:
        words = _ALERT[op][zh]
        parts.append(f"{words} {_quantity(threshold, symbol)}" + (" 时预警" if zh else ""))
        crossed = value is not None and op.holds(float(value), float(threshold))
    return ("⚠ " if crossed else "") + " · ".join(parts)


def _quantity(value: float | None, symbol: str) -> str:
    return "" if value is None else f"{value:g} {symbol}".strip()
