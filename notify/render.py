"""Render a conversation message when it is delivered, not when it is queued (docs/messages.md).

A queued care message keeps the text it was written with only as a preview. When the outbox dispatches it, the
message is composed again from the risk as it is now and from the risk's booking options that can still be
honoured at that instant (live_options.sql: not past, not taken by an accepted booking, not ruled out by the
dealer's data). The notify pass that runs before each outbox run has already expired stale offers and re-planned
risks left without any, so a message that waited (quiet hours, frequency cap) offers the fresh slots. When no
option is left the message goes without slots and says the service center will propose times; the next pass
re-plans the risk and the owner page shows the new options.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from core import owner_links
from core.db import query
from core.settings import OwnerLinkSettings
from domain.evidence import parse_evidence
from domain.vocabulary import RiskKind
from notify.booking import BookingOption, Center, PartLine, Technician
from notify.compose import Message, Notice, Recipient, compose, with_link
from notify.sql import LIVE_OPTIONS, RENDER_NOTICE

# Messages composed from the risk and its offers; all_clear, survey and progress messages carry no slots and
# keep the text they were queued with, given the owner page link at delivery (with_owner_link).
_NOT_RENDERED = frozenset({"all_clear", "survey"})


def renders_at_delivery(purpose: str) -> bool:
    """Return True for the purposes whose text is composed again when they are dispatched."""
    return purpose not in _NOT_RENDERED and not purpose.startswith("progress_")


def live_options(conn: psycopg.Connection, *, risk_id: int, now: datetime) -> list[BookingOption]:
    """Return the risk's options that can still be honoured at `now`, best rank first."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query(LIVE_OPTIONS), {"risk_id": risk_id, "now": now}).fetchall()
    return [_option(r) for r in rows]


def render(
    conn: psycopg.Connection,
    *,
    risk_id: int,
    customer_id: int,
    purpose: str,
    now: datetime,
    links: OwnerLinkSettings | None = None,
) -> Message | None:
    """Return the message of `purpose` about the risk as it reads at `now` for its owner `customer_id`; None when
    the risk is gone or the car is no longer theirs. With `links`, the message ends with a new owner page link
    (core/owner_links.py)."""
    params = {"risk_id": risk_id, "customer_id": customer_id}
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query(RENDER_NOTICE), params).fetchone()
    if row is None:
        return None
    notice = Notice(
        kind=RiskKind(row["kind"]),
        severity=row["severity"],
        diagnosis=row["diagnosis"],
        evidence=parse_evidence(row["kind"], row["evidence"]),
        predicted_date=row["predicted_date"],
        predicted_low=row["predicted_low"],
        predicted_high=row["predicted_high"],
        vehicle_model=row["model"],
        vin=row["vin"],
    )
    recipient = Recipient(row["customer_name"], row["locale"], row["customer_tz"], row["segment"])
    options = live_options(conn, risk_id=risk_id, now=now)
    link = (
        owner_links.message_link(conn, risk_id=risk_id, customer_id=customer_id, now=now, settings=links)
        if links
        else None
    )
    return compose(notice, recipient=recipient, options=options, now=now, purpose=purpose, link=link)


def with_owner_link(
    conn: psycopg.Connection,
    message: Message,
    *,
    risk_id: int,
    customer_id: int,
    purpose: str,
    now: datetime,
    links: OwnerLinkSettings,
) -> Message:
    """Return a message kept as queued (progress, survey, all-clear) with a new owner page link minted now, put
    before its sign-off; unchanged when the car is no longer `customer_id`'s."""
    link = owner_links.message_link(conn, risk_id=risk_id, customer_id=customer_id, now=now, settings=links)
    return with_link(message, purpose=purpose, link=link) if link else message


def _option(row: dict[str, Any]) -> BookingOption:
    center = Center(
        id=row["center_id"],
        name=row["center_name"],
        city=row["city"],
        region=row["region"],
        lat=row["lat_deg"],
        lon=row["lon_deg"],
        tz=row["tz"],
        opening_hours=row["opening_hours"] or {},
    )
    parts = tuple(
        PartLine(
            sku=p["sku"],
            name=p["name"],
            qty=int(p["qty"]),
            in_stock=bool(p["in_stock"]),
            available_on=date.fromisoformat(p["available_on"])
            if p.get("available_on")
            else row["slot_start"].date(),
        )
        for p in row["parts"]
    )
    return BookingOption(
        rank=row["rank"],
        center=center,
        technician=Technician(row["technician_id"], row["center_id"], row["technician_name"], frozenset()),
        slot_start=row["slot_start"],
        slot_end=row["slot_end"],
        deadline=row["deadline"],
        distance_km=float(row["distance_km"]),
        parts=parts,
        reason=row["reason"],
    )
