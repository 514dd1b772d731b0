"""Compose care messages (pure): a risk's notice from `templates/{kind}.{locale}.j2` (follow-ups get a prefix and
an opening line from `_purpose`), the "all good now" note, and the digest merging several messages into one."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from domain.dtc import describe
from domain.evidence import (
    BrakePadsEvidence,
    DtcEvidence,
    EvBatterySohEvidence,
    Evidence,
    HolidayTripEvidence,
    MaintenanceDueEvidence,
    SummerCareEvidence,
    TyrePressureEvidence,
    WinterPrepEvidence,
)
from domain.vocabulary import LOCALES, Locale, RiskKind
from notify.booking import BookingOption
from notify.evidence import readings, shared_limit, window_mean
from notify.formatting import Formatter
from notify.jobs import JOBS

# Detection's diagnosis codes: "discharged" rather than "worn out" for the 12 V battery, and whether the part is
# already past its limit or heading there. Unknown codes fall back to what the readings show.
_LOW_CHARGE = frozenset({"low_state_of_charge"})
_AT_LIMIT = frozenset({"soh_below_threshold", "pads_worn"})
_BEFORE_LIMIT = frozenset({"soh_below_threshold_soon", "pads_near_limit"})

_ENV = Environment(
    loader=PackageLoader("notify", "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # plain-text messages, not HTML
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class Notice:
    """What the message is about: the risk and the vehicle."""

    kind: RiskKind
    severity: str
    diagnosis: str
    evidence: Evidence  # the kind's typed evidence: domain.evidence.parse_evidence(kind, risk.evidence)
    predicted_date: date | None
    predicted_low: date | None
    predicted_high: date | None
    vehicle_model: str
    vin: str


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who reads it: name, locale ('zh-CN' | 'en'), time zone and segment (business, family, ev, premium)."""

    name: str
    locale: str
    tz: str
    segment: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """A composed message."""

    locale: str
    subject: str
    body: str


def template_for(kind: RiskKind, locale: str) -> Template:
    """Return the template of a risk kind in a locale."""
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    return _ENV.get_template(f"{RiskKind(kind).value}.{locale}.j2")


def compose(
    notice: Notice,
    *,
    recipient: Recipient,
    options: Sequence[BookingOption],
    now: datetime,
    purpose: str = "first_notice",
    link: str | None = None,
) -> Message:
    """Return the subject and body telling the owner what was found, why it matters and when to come in; `link`
    is the owner page URL (core/owner_links.py) the message ends with, when there is one."""
    if purpose == "all_clear":
        return compose_all_clear(notice, recipient=recipient)
    template = template_for(notice.kind, recipient.locale)
    context = _context(notice, recipient=recipient, options=options, now=now)
    subject, body = _render(template, {**context, "link": link})
    follow_up = _ENV.get_template(f"_purpose.{recipient.locale}.j2").module
    intro = str(follow_up.intro(purpose)).strip()  # type: ignore[attr-defined]
    subject = str(follow_up.prefix(purpose)) + subject  # type: ignore[attr-defined]
    return Message(recipient.locale, subject, f"{intro}\n\n{body}" if intro else body)


def compose_all_clear(notice: Notice, *, recipient: Recipient) -> Message:
    """Return the "all good now" note for a risk that resolved by itself after the owner was told."""
    if recipient.locale not in LOCALES:
        raise ValueError(f"unsupported locale {recipient.locale!r}")
    template = _ENV.get_template(f"all_clear.{recipient.locale}.j2")
    context = {"name": recipient.name, "model": notice.vehicle_model, "vin_tail": notice.vin[-6:]}
    subject, body = _render(template, {**context, "kind": str(notice.kind)})
    return Message(recipient.locale, subject, body)


def compose_survey(
    questions: Sequence[Mapping[str, str]], *, recipient: Recipient, model: str, vin: str, center: str
) -> Message:
    """Return the after-visit survey message listing the drawn questions."""
    if recipient.locale not in LOCALES:
        raise ValueError(f"unsupported locale {recipient.locale!r}")
    template = _ENV.get_template(f"survey.{recipient.locale}.j2")
    context = {
        "name": recipient.name,
        "model": model,
        "vin_tail": vin[-6:],
        "center": center,
        "questions": questions,
    }
    subject, body = _render(template, context)
    return Message(recipient.locale, subject, body)


def with_link(message: Message, *, purpose: str, link: str) -> Message:
    """Return a message written without an owner page link (progress, survey, all-clear) with the link line of its
    purpose (_link.<locale>.j2) put before its sign-off, the last paragraph."""
    if message.locale not in LOCALES:
        raise ValueError(f"unsupported locale {message.locale!r}")
    lines = _ENV.get_template(f"_link.{message.locale}.j2").module
    line = " ".join(str(lines.line(purpose, link)).split())  # type: ignore[attr-defined]
    text = message.body.rstrip("\n")
    head, blank, sign_off = text.rpartition("\n\n")
    body = f"{head}\n\n{line}\n\n{sign_off}\n" if blank else f"{text}\n\n{line}\n"
    return Message(message.locale, message.subject, body)


def compose_digest(messages: Sequence[Message], *, name: str, locale: str, vehicles: int) -> Message:
    """Return one message carrying several: the frequency cap merges an owner's due notices."""
    if len(messages) == 1:
        return messages[0]
    template = _ENV.get_template(f"_digest.{locale}.j2")
    context = {"name": name, "count": len(messages), "vehicles": vehicles, "messages": messages}
    subject, body = _render(template, context)
    return Message(locale, subject, body)


def _render(template: Template, values: dict[str, Any]) -> tuple[str, str]:
    context = template.new_context(values)
    subject = " ".join("".join(template.blocks["subject"](context)).split())
    body = re.sub(r"\n{3,}", "\n\n", "".join(template.blocks["body"](context))).strip() + "\n"
    return subject, body


def _context(
    notice: Notice, *, recipient: Recipient, options: Sequence[BookingOption], now: datetime
) -> dict[str, Any]:
    fmt = Formatter(recipient.locale, recipient.tz)
    today = now.astimezone(fmt.tz).date()
    fastest = min((o.slot_start for o in options), default=None)
    found = readings(notice.evidence, fmt=fmt)
    listed, limit = shared_limit(found)
    job = JOBS[RiskKind(notice.kind)]
    predicted = notice.predicted_date
    return {
        "name": recipient.name,
        "model": notice.vehicle_model,
        "vin_tail": notice.vin[-6:],
        "severity": notice.severity,
        "urgent": notice.severity in ("high", "critical"),
        "low_charge": notice.diagnosis in _LOW_CHARGE,
        "readings": listed,
        "limit": limit,
        "at_limit": notice.diagnosis in _AT_LIMIT
        or (notice.diagnosis not in _BEFORE_LIMIT and any(r.crossed for r in found)),
        "deadline": fmt.day(predicted) if predicted else None,
        "overdue": predicted is not None and predicted <= today,
        "band": (fmt.day(notice.predicted_low), fmt.day(notice.predicted_high))
        if notice.predicted_low and notice.predicted_high and notice.predicted_low != notice.predicted_high
        else None,
        "duration": fmt.minutes(job.duration.total_seconds() / 60),
        "options": [_option(o, fmt=fmt, fastest=o.slot_start == fastest) for o in options],
        "segment": recipient.segment,
        **_facts(notice.evidence, fmt=fmt),
    }


# Holiday and item names of the pre-holiday trip check (detection/rules/holiday_trip.py), (en, zh-CN).
_HOLIDAYS = {
    "spring_festival": ("the Spring Festival", "春节"),
    "national_day": ("the National Day holiday", "国庆"),
}
_ITEMS = {
    "brake_pads": ("brake pads", "刹车片"),
    "wipers": ("wiper blades", "雨刮片"),
    "tyre_pressure": ("tyre pressure", "胎压"),
    "coolant": ("coolant level", "冷却液液位"),
}


def _facts(evidence: Evidence, *, fmt: Formatter) -> dict[str, Any]:
    """The facts a kind's message states beyond the readings, from that kind's evidence (None where it has none)."""
    facts: dict[str, Any] = {
        "mean": None, "weak_battery": False, "trend_per_year": None, "remaining_km": None, "holiday": None,
        "holiday_start": None, "due_items": [], "long_trips": None, "hottest": None, "leak_per_week": None,
        "schedule": None, "dtc_codes": [], "drivable": None, "mil_on": False, "ahead": None,
    }  # fmt: skip
    match evidence:
        case WinterPrepEvidence():
            facts |= {"mean": window_mean(evidence, fmt=fmt), "weak_battery": bool(evidence.weak_12v)}
            if evidence.basis == "forecast":
                facts["ahead"] = _ahead(evidence.forecast_days, evidence.forecast_mean_c, fmt=fmt)
        case SummerCareEvidence():
            hottest = evidence.max_c
            facts |= {
                "mean": window_mean(evidence, fmt=fmt),
                "hottest": None if hottest is None else fmt.quantity(round(float(hottest), 1), "celsius"),
                "ahead": _ahead(evidence.forecast_days, evidence.forecast_mean_c, fmt=fmt),
            }
        case EvBatterySohEvidence():
            facts["trend_per_year"] = _decline(evidence.trend_per_year, fmt=fmt)
        case BrakePadsEvidence():
            facts["remaining_km"] = _positive(evidence.remaining_km, fmt.km)
        case TyrePressureEvidence():
            leak = evidence.corrected_trend_kpa_per_day
            facts["leak_per_week"] = (
                fmt.number(round(-7 * float(leak), 1)) if leak is not None and leak < 0 else None
            )
        case HolidayTripEvidence():
            facts |= _holiday(evidence, fmt=fmt)
        case MaintenanceDueEvidence() if evidence.schedule_from is not None:
            facts["schedule"] = _schedule(evidence, fmt=fmt)
        case DtcEvidence():
            facts |= _dtc(evidence, fmt=fmt)
    return facts


def _dtc(evidence: DtcEvidence, *, fmt: Formatter) -> dict[str, Any]:
    """A stored trouble code's facts: each code in plain words (domain/dtc.py's catalogue), the MIL, whether to drive."""
    locale: Locale = "zh-CN" if fmt.locale.language == "zh" else "en"
    codes = []
    for c in evidence.codes:
        entry = describe(c.code)
        codes.append({"code": c.code, "title": entry.title[locale], "explanation": entry.explanation[locale],
                      "confirmed": c.confirmed, "mil": c.mil})  # fmt: skip
    return {"dtc_codes": codes, "drivable": evidence.drivable, "mil_on": bool(evidence.mil_on)}


def _schedule(evidence: MaintenanceDueEvidence, *, fmt: Formatter) -> dict[str, Any]:
    """A schedule-based maintenance reminder's facts (a car without a service countdown): where the interval
    counts from, the interval and the distance driven since."""
    assert evidence.schedule_from is not None
    return {
        "since": fmt.day(evidence.schedule_from),
        "visit": evidence.schedule_basis == "maintenance_visit",
        "months": evidence.schedule_months,
        "km": fmt.km(float(evidence.schedule_km)) if evidence.schedule_km is not None else None,
        "driven": _positive(evidence.km_since, fmt.km),
    }


def _holiday(evidence: HolidayTripEvidence, *, fmt: Formatter) -> dict[str, Any]:
    """The pre-holiday check's facts: the holiday, its first day, the items due and the car's long trips."""
    zh = fmt.locale.language == "zh"
    holiday = _HOLIDAYS.get(str(evidence.holiday))
    longest = evidence.longest_day_km
    return {
        "holiday": holiday[zh] if holiday else None,
        "holiday_start": fmt.day(evidence.holiday_start) if evidence.holiday_start else None,
        "due_items": [_ITEMS.get(str(i), (str(i), str(i)))[zh] for i in evidence.due_items or ()],
        "long_trips": _positive(longest, fmt.km)
        if (longest or 0) >= (evidence.long_trip_km or float("inf"))
        else None,
    }


def _option(option: BookingOption, *, fmt: Formatter, fastest: bool) -> dict[str, Any]:
    waiting = [p for p in option.parts if not p.in_stock]
    local_day = option.slot_start.astimezone(ZoneInfo(option.center.tz)).weekday()
    return {
        "fastest": fastest,
        "weekend": local_day >= 5,
        "rank": option.rank,
        "center": option.center.name,
        "city": option.center.city,
        "slot": fmt.slot(option.slot_start, option.slot_end),
        "distance": fmt.km(option.distance_km),
        "parts_ready": fmt.day(max(p.available_on for p in waiting)) if waiting else None,
        "after_deadline": option.after_deadline,
    }


def _ahead(days: int | None, mean_c: float | None, *, fmt: Formatter) -> dict[str, Any] | None:
    """The season flagged before it begins (a week ahead, from the weather forecast or the car's own look-ahead):
    in how many days, and that week's mean; else None."""
    if days is None or mean_c is None:
        return None
    return {"days": days, "mean": fmt.quantity(round(float(mean_c), 1), "celsius")}


def _decline(per_year: float | None, *, fmt: Formatter) -> str | None:
    """A falling trend as a positive number of percentage points a year; None when not falling or absent."""
    return fmt.number(round(-float(per_year), 1)) if per_year is not None and per_year < 0 else None


def _positive(value: float | None, render: Callable[[float], str]) -> str | None:
    return render(float(value)) if value is not None and value > 0 else None


def compose_progress(
    stage: str,
    *,
    recipient: Recipient,
    model: str,
    vin: str,
    center: str,
    no_fault: bool = False,
    slot: tuple[datetime, datetime] | None = None,
) -> Message:
    """Return the progress message of a workshop visit: `stage` is checked_in, ready (for pickup), done, or
    rescheduled (the center moved the booked visit to `slot`, shown in the owner's zone)."""
    if recipient.locale not in LOCALES:
        raise ValueError(f"unsupported locale {recipient.locale!r}")
    template = _ENV.get_template(f"progress.{recipient.locale}.j2")
    context = {
        "name": recipient.name,
        "model": model,
        "vin_tail": vin[-6:],
        "center": center,
        "stage": stage,
        "no_fault": no_fault,
        "slot": Formatter(recipient.locale, recipient.tz).slot(*slot) if slot is not None else None,
    }
    subject, body = _render(template, context)
    return Message(recipient.locale, subject, body)
