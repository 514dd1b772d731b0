"""Words of the owner page in zh-CN and en: the page's labels, each risk kind in plain words (what was found, why it
matters, what happens if ignored) and a reading as a sentence without VSS paths (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.views.dtc_text import code_lines
from domain.evidence import EvidenceSignal, parse_evidence
from domain.vocabulary import RiskKind

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your car",
        "language": "中文",
        "greeting": "Hello {name}",
        "finding": "What we found",
        "why": "Why it matters",
        "ignored": "If it is ignored",
        "readings": "The readings",
        "chart": "Chart",
        "messages": "Messages we sent you",
        "slots": "Offered times",
        "book": "Book this time",
        "booked": "Your visit",
        "no_slots": "No time is offered right now; your service center will contact you.",
        "price": "Estimated price",
        "minutes": "about {n} min",
        "technician": "Technician",
        "cancel": "Cancel or choose another time",
        "cutoff": "You can change or cancel this visit until {when}.",
        "too_late": "Changes are no longer possible online; please call your service center.",
        "progress": "Progress of your visit",
        "step_booked": "Booked",
        "step_checked_in": "Checked in",
        "step_started": "Work started",
        "step_ready": "Ready",
        "step_done": "Done",
        "survey": "How was your visit?",
        "survey_thanks": "Thank you for your answers.",
        "send": "Send",
        "score_help": "1 = poor, 5 = excellent",
        "done_booked": "Booked. See you then!",
        "done_cancelled": "Your visit was cancelled. New times will be offered and appear on this page.",
        "done_answered": "Thank you for your answers.",
        "refused": "That did not work: ",
        "all_good": "Nothing needs your attention on this car right now.",
        "link_note": "This page is private to you: please do not forward its link.",
        "gone_title": "This link no longer works",
        "gone_unknown": "We do not know this link. Please open the newest message from us, or ask your service center.",
        "gone_revoked": "This link was withdrawn. Please open the newest message from us, or ask your service center.",
        "gone_expired": "This link has expired. Please open the newest message from us, or ask your service center "
        "for a new one.",
        "ask_limit": "check when {op} {value}",
        "err_slot_taken": "Sorry, that time was just taken. Please choose another one.",
        "err_too_late": "Changes are no longer possible online; please call your service center.",
        "err_invalid_form": "The form expired; please try again.",
        "err_invalid_answers": "Please give every score from 1 to 5.",
        "err_not_found": "That is no longer available; the page shows what is.",
        "another": "Another time",
        "another_help": "Tell us what suits you; we look for free times and show them here.",
        "another_earliest": "Not before",
        "another_part": "Time of day",
        "part_any": "Any time",
        "part_morning": "Mornings",
        "part_afternoon": "Afternoons",
        "part_weekend": "Weekends",
        "another_nearby": "Nearby service centers too",
        "another_send": "Find other times",
        "reschedule": "Reschedule",
        "searching": "Looking for other times for you…",
        "reload": "Refresh",
        "done_replan": "We are looking for other times; they will appear on this page shortly.",
        "err_invalid_date": "Please choose a date from today on, within the next two months.",
        "err_not_possible": "That is not possible for this visit any more; please call your service center.",
    },
    "zh-CN": {
        "title": "您的爱车",
        "language": "English",
        "greeting": "{name}，您好",
        "finding": "我们发现了什么",
        "why": "为什么值得关注",
        "ignored": "如果置之不理",
        "readings": "检测数据",
        "chart": "图表",
        "messages": "我们发给您的消息",
        "slots": "为您预留的时段",
        "book": "预约这个时段",
        "booked": "您的预约",
        "no_slots": "目前没有可选时段，服务门店会尽快与您联系。",
        "price": "预估价格",
        "minutes": "约 {n} 分钟",
        "technician": "技师",
        "cancel": "取消预约或改约其他时间",
        "cutoff": "{when}之前可以在线改约或取消。",
        "too_late": "现在已不能在线更改，请致电服务门店。",
        "progress": "到店进度",
        "step_booked": "已预约",
        "step_checked_in": "已到店",
        "step_started": "维修中",
        "step_ready": "可取车",
        "step_done": "已完成",
        "survey": "这次服务体验如何？",
        "survey_thanks": "感谢您的反馈。",
        "send": "提交",
        "score_help": "1 = 很差，5 = 非常好",
        "done_booked": "预约成功，期待您的到来！",
        "done_cancelled": "预约已取消。我们会为您重新安排时段，届时将显示在此页面。",
        "done_answered": "感谢您的反馈。",
        "refused": "操作未成功：",
        "all_good": "这辆车目前没有需要您处理的事项。",
        "link_note": "此页面仅供您本人使用，请勿转发链接。",
        "gone_title": "此链接已失效",
        "gone_unknown": "无法识别此链接。请打开我们最新发给您的消息，或联系您的服务门店。",
        "gone_revoked": "此链接已被撤回。请打开我们最新发给您的消息，或联系您的服务门店。",
        "gone_expired": "此链接已过期。请打开我们最新发给您的消息，或联系服务门店获取新链接。",
        "ask_limit": "{op} {value} 时提醒",
        "err_slot_taken": "抱歉，这个时段刚被预约，请选择其他时段。",
        "err_too_late": "现在已不能在线更改，请致电服务门店。",
        "err_invalid_form": "表单已过期，请重试。",
        "err_invalid_answers": "请为每一项打 1 到 5 分。",
        "err_not_found": "该选项已不可用，请以页面当前显示为准。",
        "another": "另选时间",
        "another_help": "告诉我们您方便的时间，我们会查找空闲时段并显示在此页面。",
        "another_earliest": "最早日期",
        "another_part": "时间段",
        "part_any": "不限",
        "part_morning": "上午",
        "part_afternoon": "下午",
        "part_weekend": "周末",
        "another_nearby": "也可以去附近的其他门店",
        "another_send": "查找其他时间",
        "reschedule": "改约",
        "searching": "正在为您查找其他时间…",
        "reload": "刷新",
        "done_replan": "正在为您查找其他时间，稍后将显示在此页面。",
        "err_invalid_date": "请选择今天起两个月内的日期。",
        "err_not_possible": "此预约已无法在线更改，请致电服务门店。",
    },
}

# kind -> locale -> (what was found, why it matters, what happens if ignored)
KINDS: dict[RiskKind, dict[str, tuple[str, str, str]]] = {
    RiskKind.BATTERY_12V: {
        "en": (
            "Your 12V battery is getting weak: its voltage drops further than a healthy battery's.",
            "The 12V battery starts the car and powers locks, lights and electronics; cold weather makes it worse.",
            "One morning the car may not start and need a jump start or roadside assistance.",
        ),
        "zh-CN": (
            "您的 12V 蓄电池状态变差：电压跌落比健康电池更深。",
            "12V 蓄电池负责启动车辆，并为门锁、灯光和车载电子设备供电；天气越冷越难启动。",
            "某天早上车辆可能无法启动，需要搭电或呼叫道路救援。",
        ),
    },
    RiskKind.EV_BATTERY_SOH: {
        "en": (
            "Your traction battery's state of health is falling towards the level where it should be checked.",
            "A lower state of health means less range, and a check can catch a weak module early.",
            "Range keeps shrinking, and a failing module may limit power or strand you.",
        ),
        "zh-CN": (
            "您的动力电池健康度正在下降，接近需要检测的水平。",
            "健康度越低，续航越短；及早检测可以发现个别衰减的电池模组。",
            "续航会继续缩短，衰减的模组可能导致限功率甚至无法行驶。",
        ),
    },
    RiskKind.BRAKE_PADS: {
        "en": (
            "Your brake pads are wearing down towards the point where they should be replaced.",
            "Worn pads brake less well and, once down to the metal, damage the discs.",
            "Braking distances grow, and replacing scored discs costs far more than pads.",
        ),
        "zh-CN": (
            "您的刹车片磨损接近需要更换的程度。",
            "刹车片磨薄后制动效果变差，磨到底还会损伤刹车盘。",
            "刹车距离变长，刹车盘磨损后更换费用远高于刹车片。",
        ),
    },
    RiskKind.DTC: {
        "en": (
            "Your car has stored a diagnostic trouble code: one of its systems reported a fault.",
            "The code tells the workshop where to look; many faults are cheap to fix while they are small.",
            "The fault may get worse, the warning lamp stay on, or the car fail its annual inspection.",
        ),
        "zh-CN": (
            "您的爱车存储了故障码：某个系统报告了故障。",
            "故障码能告诉维修站从哪里查起；很多故障在早期修复花费不高。",
            "故障可能加重，故障灯持续亮起，或年检不通过。",
        ),
    },
}
_GENERIC = {
    "en": (
        "Your car is due for some care.",
        "Doing it now keeps the car safe and reliable.",
        "The problem may get worse and cost more later.",
    ),
    "zh-CN": (
        "您的爱车需要一次保养关怀。",
        "现在处理可以让车辆保持安全可靠。",
        "问题可能会加重，之后花费更多。",
    ),
}

# evidence signal -> (en, zh-CN) label, unit shown
_SIGNALS: dict[str, tuple[str, str, str]] = {
    EvidenceSignal.LV_BATTERY_VOLTAGE: ("12V battery voltage", "12V 蓄电池电压", "V"),
    EvidenceSignal.TRACTION_BATTERY_SOH: ("traction battery state of health", "动力电池健康度", "%"),
    EvidenceSignal.BRAKE_PAD_WEAR: ("brake pad wear", "刹车片磨损", "%"),
    EvidenceSignal.AIR_TEMPERATURE: ("outside temperature", "车外气温", "°C"),
    EvidenceSignal.WIPER_WEAR: ("wiper blade wear", "雨刮片磨损", "%"),
    EvidenceSignal.TYRE_PRESSURE: ("tyre pressure", "胎压", "kPa"),
    EvidenceSignal.SERVICE_DISTANCE: ("distance to the next service", "距下次保养里程", "km"),
    EvidenceSignal.DTC_LIST: ("stored fault codes", "存储的故障码", ""),
}
_OPS = {
    "<": ("below", "低于"),
    "<=": ("at or below", "不高于"),
    ">": ("above", "高于"),
    ">=": ("at or above", "不低于"),
}


@dataclass(frozen=True, slots=True)
class Line:
    """One reading in plain words, and whether it is past the limit."""

    text: str
    crossed: bool


def kind_words(kind: str, locale: str) -> tuple[str, str, str]:
    """Return (what was found, why it matters, what happens if ignored) for a risk kind."""
    try:
        return KINDS[RiskKind(kind)][locale]
    except (KeyError, ValueError):
        return _GENERIC[locale]


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def reading_lines(kind: str, evidence: Any, *, locale: str, last: int = 3) -> list[Line]:
    """Return the risk's latest readings as sentences: label, value, day, and the limit the check used."""
    if kind == RiskKind.DTC:
        return [Line(text, True) for text in code_lines(evidence, locale=locale)]
    zh = locale == "zh-CN"
    lines = []
    for r in parse_evidence(kind, evidence).readings[-last:]:
        en, cn, unit = _SIGNALS.get(r.signal, ("reading", "读数", ""))
        label = cn if zh else en
        value = "" if r.value is None else f" {_number(float(r.value))} {unit}".rstrip()
        day = str(r.when)[:10] if r.when is not None else ""
        when = (f"（{day}）" if zh else f" ({day})") if day else ""
        limit, crossed = "", False
        if r.op is not None and r.threshold is not None:
            words = _OPS.get(str(r.op.value), (str(r.op.value), str(r.op.value)))[zh]
            text = TEXT[locale]["ask_limit"].format(
                op=words, value=f"{_number(float(r.threshold))} {unit}".strip()
            )
            limit = f"，{text}" if zh else f"; {text}"
            crossed = r.value is not None and r.op.holds(float(r.value), float(r.threshold))
        lines.append(
            Line(f"{label}{'：' if zh else ':'}{value.strip() if zh else value}{when}{limit}", crossed)
        )
    return lines


def threshold_of(kind: str, evidence: Any) -> float | None:
    """Return the threshold the rule compared the latest reading with, if it has one."""
    for r in reversed(parse_evidence(kind, evidence).readings):
        if r.threshold is not None:
            return float(r.threshold)
    return None


def choose_locale(*, requested: str | None, cookie: str | None, customer: str) -> str:
    """Return the page language: an explicit switch, then the remembered choice, then the customer's locale."""
    for candidate in (requested, cookie, customer):
        if candidate in TEXT:
            return candidate
    return "zh-CN"
