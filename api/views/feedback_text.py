"""Words of the advisor page's feedback section in zh-CN and en (pure): the page's texts, the names of statuses,
resolutions, goodwill kinds, outreach reasons and outcomes, and an alert or a task as lines an advisor reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.views.advisor_words import zoned
from domain.feedback import AlertStatus, OutreachOutcome, Resolution, is_negative, next_action

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Customer feedback",
        "mine": "My customers",
        "team": "Whole team",
        "alerts": "Negative feedback",
        "no_alerts": "No open negative feedback.",
        "outreach": "Customers to call",
        "no_outreach": "Nobody to call right now.",
        "metrics": "Last 90 days",
        "advisor": "Advisor",
        "unassigned": "not assigned",
        "received": "Received",
        "phone": "Call",
        "no_phone": "no phone on file",
        "acknowledge": "Acknowledge",
        "contact": "Customer contacted",
        "resolve": "Resolve",
        "resolution": "Resolution",
        "note": "Note",
        "goodwill": "Record goodwill",
        "goodwill_kind": "Gesture",
        "amount": "Amount",
        "recorded_goodwill": "Goodwill given",
        "outcome_note": "Note on the call",
        "ack_hours": "Hours to acknowledge (median)",
        "contact_hours": "Hours to contact (median)",
        "recovery": "Recovered after resolution",
        "nps": "NPS",
        "repeat": "Customers who came back",
        "open_alerts": "Open alerts",
        "per_advisor": "Per advisor",
        "none": "—",
        "done": "Saved.",
        "refused": "Not done: ",
        "refused_invalid_form": "the form expired; please try again.",
        "refused_not_found": "it is not open at your center any more.",
        "refused_step": "that step does not apply any more (someone else may have taken it).",
        "refused_invalid": "please fill in the fields correctly.",
    },
    "zh-CN": {
        "heading": "客户反馈",
        "mine": "我的客户",
        "team": "全部团队",
        "alerts": "差评跟进",
        "no_alerts": "暂无待处理的差评。",
        "outreach": "待回访客户",
        "no_outreach": "目前没有需要回访的客户。",
        "metrics": "近 90 天",
        "advisor": "顾问",
        "unassigned": "未分配",
        "received": "收到时间",
        "phone": "拨打",
        "no_phone": "未登记电话",
        "acknowledge": "确认收到",
        "contact": "已联系客户",
        "resolve": "办结",
        "resolution": "处理方式",
        "note": "备注",
        "goodwill": "记录补偿",
        "goodwill_kind": "补偿方式",
        "amount": "数额",
        "recorded_goodwill": "已给予补偿",
        "outcome_note": "回访备注",
        "ack_hours": "确认用时（小时，中位数）",
        "contact_hours": "联系用时（小时，中位数）",
        "recovery": "办结后挽回比例",
        "nps": "净推荐值 NPS",
        "repeat": "回厂客户比例",
        "open_alerts": "未办结差评",
        "per_advisor": "按顾问",
        "none": "—",
        "done": "已保存。",
        "refused": "未完成：",
        "refused_invalid_form": "表单已过期，请重试。",
        "refused_not_found": "该事项已不在本店的待办中。",
        "refused_step": "此步骤已不适用（可能已有同事处理）。",
        "refused_invalid": "请正确填写。",
    },
}

_STATUS = {
    AlertStatus.OPEN: ("new", "新差评"),
    AlertStatus.ACKNOWLEDGED: ("acknowledged", "已确认"),
    AlertStatus.CONTACTED: ("customer contacted", "已联系客户"),
    AlertStatus.RESOLVED: ("resolved", "已办结"),
}
RESOLUTIONS = {
    Resolution.APOLOGY: ("Apology", "致歉"),
    Resolution.GOODWILL: ("Goodwill gesture", "补偿"),
    Resolution.REWORK_BOOKED: ("Re-work booked", "已预约返修"),
}
GOODWILL = {"coupon": ("Coupon (yuan)", "代金券（元）"), "points": ("Loyalty points", "积分")}
OUTCOMES = {
    OutreachOutcome.REACHED: ("Reached", "已联系上"),
    OutreachOutcome.BOOKED: ("Booked a visit", "已预约到店"),
    OutreachOutcome.DECLINED: ("Not interested", "客户婉拒"),
    OutreachOutcome.UNREACHABLE: ("Could not reach", "无法联系"),
}
_REASONS = {
    "due_for_maintenance": ("Due for maintenance in about {km} km; no visit for {months} months",
                            "约 {km} 公里后需保养；已 {months} 个月未到店"),
    "battery_report_ready": ("Battery health report ready ({soh_pct} %); no visit for {months} months",
                             "电池健康报告已生成（{soh_pct}%）；已 {months} 个月未到店"),
    "no_visit": ("No visit for {months} months", "已 {months} 个月未到店"),
}  # fmt: skip


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[1] if locale == "zh-CN" else pair[0]


def choices(table: Mapping[Any, tuple[str, str]], locale: str) -> list[tuple[str, str]]:
    """Return (value, label) pairs of a select in the page's language."""
    return [(str(k), _pick(v, locale)) for k, v in table.items()]


def outreach_reason(reason: str, detail: Mapping[str, Any], locale: str) -> str:
    """Return why to call in words; an unknown reason falls back to its own text."""
    pair = _REASONS.get(reason)
    if pair is None:
        return str(detail.get("text") or reason)
    try:
        return _pick(pair, locale).format(**detail)
    except (KeyError, IndexError, ValueError):
        return str(detail.get("text") or reason)


@dataclass(frozen=True, slots=True)
class AlertCard:
    """One negative-feedback alert as the page shows it."""

    id: int
    customer: str
    phone: str | None
    car: str
    advisor: str
    received: str
    status: str
    next_action: str | None
    answers: list[tuple[str, str, bool]]  # question, "2 / 5", negative
    comments: list[str]
    goodwill: str | None


def _car(row: Mapping[str, Any]) -> str:
    return f"{row['model']} · {row['plate'] or '…' + row['vin'][-6:]}"


def alert_card(row: Mapping[str, Any], locale: str) -> AlertCard:
    """Return an alert's card: the customer, the car, the answers in words (never question codes)."""
    t = TEXT[locale]
    answers, comments = [], []
    given = row["answers"] or {}
    for q in row["questions"]:
        value = given.get(q["id"])
        if value is None:
            continue
        text = q.get(locale) or q.get("en") or ""
        if q["type"] in ("score", "nps"):
            scale = 5 if q["type"] == "score" else 10
            answers.append((text, f"{value} / {scale}", is_negative(q["type"], value)))
        elif isinstance(value, str) and value.strip():
            comments.append(f"{text} {value}")
    goodwill = None
    if row["goodwill_kind"]:
        goodwill = f"{_pick(GOODWILL[row['goodwill_kind']], locale)}: {row['goodwill_amount']:g}"
    action = next_action(AlertStatus(row["status"]))
    return AlertCard(
        id=row["id"],
        customer=row["customer_name"],
        phone=row["phone"],
        car=_car(row),
        advisor=row["advisor_name"] or t["unassigned"],
        received=zoned(row["created_at"], row["tz"]),
        status=_pick(_STATUS[AlertStatus(row["status"])], locale),
        next_action=None if action is None else action.value,
        answers=answers,
        comments=comments,
        goodwill=goodwill,
    )


@dataclass(frozen=True, slots=True)
class TaskCard:
    """One outreach task as the page shows it."""

    id: int
    customer: str
    phone: str | None
    car: str
    advisor: str
    why: str
    since: str


def task_card(row: Mapping[str, Any], locale: str) -> TaskCard:
    """Return an outreach task's card with the reason in words."""
    return TaskCard(
        id=row["id"],
        customer=row["customer_name"],
        phone=row["phone"],
        car=_car(row),
        advisor=row["advisor_name"] or TEXT[locale]["unassigned"],
        why=outreach_reason(row["reason"], row["detail"], locale),
        since=zoned(row["created_at"], row["tz"]),
    )


def figure(value: float | None, *, percent: bool = False) -> str:
    """Return a number for the metrics panel ("—" when there is none)."""
    if value is None:
        return "—"
    return f"{value * 100:.0f} %" if percent else f"{value:g}"
