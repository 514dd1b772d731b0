"""The owner page's content from its rows (pure, no I/O): the finding in plain words, the offered times in the
center's time zone, the booked visit with the reschedule/cancel cutoff, the visit's progress and the survey."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from api.views.owner_text import TEXT, Line, kind_words, reading_lines

_WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "zh-CN": "一二三四五六日"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# care_case stages -> the step of the visit the owner sees (booked -> checked in -> work started -> ready -> done);
# "work started" is a stamp inside checked_in (work_started_at), not a stage of its own.
_STEP_OF_STAGE = {"booked": 0, "checked_in": 1, "serviced": 3, "verified": 4, "closed": 4}
STEPS = ("step_booked", "step_checked_in", "step_started", "step_ready", "step_done")


def progress_step(case: Mapping[str, Any]) -> int | None:
    """Return the index in STEPS the visit has reached, None before it is booked."""
    at = _STEP_OF_STAGE.get(case["stage"])
    if at == 1 and case.get("work_started_at") is not None:
        return 2
    return at


@dataclass(frozen=True, slots=True)
class Slot:
    """One offered or booked time."""

    id: int
    when: str
    center: str
    city: str
    minutes: int
    technician: str
    price: str | None
    status: str


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the visit's progress: its label, whether it is reached and whether it is the current one."""

    label: str
    reached: bool
    current: bool


@dataclass(frozen=True, slots=True)
class Question:
    """One survey question: a 1-5 score or free text, in the page's language."""

    id: str
    type: str
    text: str


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the owner was sent about this finding or visit, with when (in the owner's time zone)."""

    when: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class OwnerPage:
    """Everything the owner page template shows."""

    name: str
    model: str
    vin_tail: str
    kind: str | None
    urgent: bool
    found: str
    why: str
    ignored: str
    readings: list[Line]
    has_chart: bool
    offers: list[Slot]
    booked: Slot | None
    can_change: bool
    change_until: str | None
    steps: list[Step] = field(default_factory=list)
    survey_id: int | None = None
    survey_answered: bool = False
    questions: list[Question] = field(default_factory=list)
    # "Another time": the form is offered (choosing among offers, or rescheduling before the cutoff), and
    # notify has not planned the owner's request yet (the page says it is searching and refreshes itself).
    can_replan: bool = False
    searching: bool = False
    today: str = ""
    messages: list[SentMessage] = field(default_factory=list)  # newest first


def when_text(moment: datetime, *, tz: str, locale: str) -> str:
    """Return a slot time as the owner reads it in the center's time zone, e.g. ``12月9日 周三 10:00``."""
    local = moment.astimezone(ZoneInfo(tz))
    if locale == "zh-CN":
        return f"{local.month}月{local.day}日 周{_WEEKDAYS['zh-CN'][local.weekday()]} {local:%H:%M}"
    return f"{_WEEKDAYS['en'][local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local:%H:%M}"


def _price(estimate: Any) -> str | None:
    if not isinstance(estimate, Mapping):
        return None
    total = estimate.get("total")
    amount = total.get("amount") if isinstance(total, Mapping) else total
    return None if amount is None else f"¥{amount}"


def _slot(row: Mapping[str, Any], *, locale: str) -> Slot:
    return Slot(
        id=row["id"],
        when=when_text(row["slot_start"], tz=row["tz"], locale=locale),
        center=row["center_name"],
        city=row["city"],
        minutes=round((row["slot_end"] - row["slot_start"]).total_seconds() / 60),
        technician=row["technician_name"],
        price=_price(row.get("estimate")),
        status=row["status"],
    )


def build(
    case: Mapping[str, Any],
    *,
    options: Sequence[Mapping[str, Any]],
    survey: Mapping[str, Any] | None,
    messages: Sequence[Mapping[str, Any]] = (),
    has_chart: bool,
    locale: str,
    now: datetime,
    change_cutoff: timedelta,
) -> OwnerPage:
    """Return the page for one link's case: the risk (if it is still open or in a visit), offers, visit, survey."""
    kind = case["kind"]
    found, why, ignored = kind_words(kind, locale) if kind else ("", "", "")
    booked_row = next((o for o in options if o["status"] == "accepted"), None)
    booked = _slot(booked_row, locale=locale) if booked_row else None
    can_change, change_until = False, None
    if booked_row is not None and case["stage"] == "booked":
        deadline = booked_row["slot_start"] - change_cutoff
        can_change = now < deadline
        change_until = when_text(deadline, tz=booked_row["tz"], locale=locale)
    at = progress_step(case) if booked_row is not None else None
    steps = [Step(TEXT[locale][s], i <= at, i == at) for i, s in enumerate(STEPS)] if at is not None else []
    questions = []
    if survey is not None:
        questions = [
            Question(q["id"], q["type"], q.get(locale) or q.get("en") or q["id"]) for q in survey["questions"]
        ]
    searching = case.get("replan_requested_at") is not None and case.get("replan_planned_at") is None
    can_replan = not searching and (
        can_change
        if booked_row is not None
        else case["stage"] == "notified" and case.get("risk_id") is not None
    )
    return OwnerPage(
        name=case["customer_name"],
        model=case["model"],
        vin_tail=case["vin"][-6:],
        kind=kind,
        urgent=case.get("severity") in ("high", "critical"),
        found=found,
        why=why,
        ignored=ignored,
        readings=reading_lines(kind, case["evidence"], locale=locale) if kind else [],
        has_chart=has_chart,
        offers=[
            _slot(o, locale=locale) for o in options if o["status"] == "suggested" and o["slot_start"] > now
        ],
        booked=booked,
        can_change=can_change,
        change_until=change_until,
        steps=steps,
        survey_id=survey["id"] if survey else None,
        messages=[
            SentMessage(when_text(m["created_at"], tz=case["tz"], locale=locale), m["subject"], m["body"])
            for m in messages
        ],
        survey_answered=bool(survey and survey["answered_at"] is not None),
        questions=questions,
        can_replan=can_replan,
        searching=searching and booked_row is None,
        today=now.astimezone(ZoneInfo(case.get("tz") or "Asia/Shanghai")).date().isoformat(),
    )
