"""The advisor's worklist (pure, no I/O): the center's offer and booking rows grouped into one card per case (the
alternatives of one case together), in words, each with the actions its stage allows, "mine" or the whole team."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from api.views.advisor_words import (
    kind_label,
    reading_lines,
    severity_label,
    stage_label,
    why_label,
    zoned,
)

MAX_PARTS = 3  # part lines on the completion form (a form holds at most 10 fields)
MAX_QTY = 20


class Scope(StrEnum):
    """Whose cases the worklist shows."""

    MINE = "mine"  # customers assigned to the session's advisor
    TEAM = "team"  # every customer of the center


class Action(StrEnum):
    """What an advisor can do from a card (the path segment of POST /advisor/bookings/{id}/{action})."""

    ACCEPT = "accept"
    DECLINE = "decline"
    CHECK_IN = "check_in"
    START = "start"
    COMPLETE = "complete"
    RESCHEDULE = "reschedule"


@dataclass(frozen=True, slots=True)
class Option:
    """One offered or booked slot of a case."""

    booking_id: int
    status: str
    when: str  # with its zone
    technician: str
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Note:
    """An advisor's note on the case."""

    body: str
    when: str
    by: str


@dataclass(slots=True)
class Card:
    """One case of one car, in words, with its options (the alternatives offered, or the booked visit)."""

    risk_id: int
    vin: str
    plate: str
    model: str
    customer_id: int
    customer_name: str
    phone: str | None
    advisor_name: str
    mine: bool
    kind: str
    why: str
    severity: str
    urgent: bool
    stage: str
    readings: list[str]
    told: str
    told_when: str
    price: str
    pickup: str
    parts: list[str]
    first_slot: datetime
    booked: Option | None = None
    offers: list[Option] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def price_text(estimate: Mapping[str, Any] | None) -> str:
    """Return the total the owner was shown ("¥398.00"), empty when no price was shown."""
    try:
        total = Decimal(str(((estimate or {}).get("total") or {}).get("amount")))
    except (InvalidOperation, TypeError, AttributeError):
        return ""
    return "" if total.is_nan() else f"¥{total:.2f}"


def _booked_actions(stage: str, work_started: bool) -> tuple[Action, ...]:
    if stage == "booked":
        return (Action.CHECK_IN, Action.RESCHEDULE, Action.DECLINE)
    if stage == "checked_in":
        return (Action.COMPLETE,) if work_started else (Action.START, Action.COMPLETE)
    return ()


def _option(row: Mapping[str, Any]) -> Option:
    booked = row["status"] == "accepted"
    actions = (
        _booked_actions(row["stage"], row.get("work_started_at") is not None)
        if booked
        else (Action.ACCEPT, Action.DECLINE)
    )
    return Option(
        booking_id=int(row["id"]),
        status=str(row["status"]),
        when=zoned(row["slot_start"], row["tz"]),
        technician=str(row["technician_name"]),
        actions=actions,
    )


def _parts(parts: Iterable[Mapping[str, Any]], locale: str) -> list[str]:
    missing = "（需订货）" if locale == "zh-CN" else " (to order)"
    return [
        f"{p.get('qty', 1)}× {p.get('name') or p.get('sku')}{'' if p.get('in_stock', True) else missing}"
        for p in parts
    ]


def _new_card(row: Mapping[str, Any], *, locale: str, advisor_id: int | None) -> Card:
    told_at = row.get("told_at")
    pickup_at = row.get("pickup_at")
    return Card(
        risk_id=int(row["risk_id"]),
        vin=str(row["vin"]),
        plate=str(row.get("plate") or ""),
        model=str(row["model"]),
        customer_id=int(row["customer_id"]),
        customer_name=str(row["customer_name"]),
        phone=row.get("phone") or None,
        advisor_name=str(row.get("advisor_name") or ""),
        mine=advisor_id is not None and row.get("advisor_id") == advisor_id,
        kind=kind_label(row["kind"], locale),
        why=why_label(row.get("diagnosis"), locale),
        severity=severity_label(row.get("severity"), locale),
        urgent=row.get("severity") == "high",
        stage=stage_label(row["stage"], locale, work_started=row.get("work_started_at") is not None),
        readings=reading_lines(row["kind"], row.get("evidence") or {}, locale=locale),
        told=" — ".join(x for x in (row.get("told_subject"), row.get("told_body")) if x),
        told_when=zoned(told_at, row["tz"]) if told_at else "",
        price=price_text(row.get("estimate")),
        pickup=f"{zoned(pickup_at, row['tz'])}, {row.get('pickup_address') or ''}" if pickup_at else "",
        parts=_parts(row.get("parts") or [], locale),
        notes=[
            Note(
                body=str(n["body"]),
                when=zoned(datetime.fromisoformat(n["at"]), row["tz"]),
                by=str(n.get("by") or ""),
            )
            for n in row.get("notes") or []
        ],
        first_slot=row["slot_start"],
    )


def worklist(
    rows: Iterable[Mapping[str, Any]], *, locale: str, advisor_id: int | None, scope: Scope
) -> list[Card]:
    """Return one card per case, soonest slot first; with `Scope.MINE` only the cases of the advisor's customers."""
    cards: dict[int, Card] = {}
    for row in rows:
        card = cards.get(int(row["risk_id"]))
        if card is None:
            card = cards[int(row["risk_id"])] = _new_card(row, locale=locale, advisor_id=advisor_id)
        option = _option(row)
        if option.status == "accepted":
            card.booked = option
            card.price = price_text(row.get("estimate")) or card.price
        else:
            card.offers.append(option)
    chosen = [c for c in cards.values() if scope is Scope.TEAM or c.mine]
    return sorted(chosen, key=lambda c: (c.booked is None, c.first_slot, c.risk_id))


def parts_used(form: Mapping[str, str], stock: set[str]) -> list[dict[str, Any]] | None:
    """Return the parts a completion form says were used (``part_1``/``qty_1`` …: a SKU of the center's stock, 1 to
    MAX_QTY each, the same SKU twice added up); None when a line is not valid."""
    used: dict[str, int] = {}
    for n in range(1, MAX_PARTS + 1):
        sku = form.get(f"part_{n}", "").strip()
        if not sku:
            continue
        try:
            qty = int(form.get(f"qty_{n}", "1"))
        except ValueError:
            return None
        if sku not in stock or not 0 < qty <= MAX_QTY:
            return None
        used[sku] = used.get(sku, 0) + qty
    return [{"sku": sku, "qty": qty} for sku, qty in used.items()]
