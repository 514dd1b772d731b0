"""Database reads of the advisor's pages beyond the worklist: the center's shelf, what moving a visit needs, and
the customer lookup (search, then one customer's cars, risks, messages, visits and survey answers). Every read is
scoped to the session's center: another center's customer or booking is simply not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from api.sql import (
    ADVISOR_CENTER_PARTS,
    ADVISOR_CUSTOMER,
    ADVISOR_CUSTOMER_MESSAGES,
    ADVISOR_CUSTOMER_RISKS,
    ADVISOR_CUSTOMER_SEARCH,
    ADVISOR_CUSTOMER_SURVEYS,
    ADVISOR_CUSTOMER_VEHICLES,
    ADVISOR_CUSTOMER_VISITS,
    ADVISOR_RESCHEDULE_CONTEXT,
)
from core.db import SqlFile, query


def _all(conn: psycopg.Connection, name: SqlFile, params: dict[str, Any]) -> list[dict[str, Any]]:
    return conn.cursor(row_factory=dict_row).execute(query(name), params).fetchall()


def center_parts(conn: psycopg.Connection, *, center_id: int) -> list[dict[str, Any]]:
    """Return the parts the center stocks (sku, name, on_hand, reserved), by name."""
    return _all(conn, ADVISOR_CENTER_PARTS, {"center_id": center_id})


@dataclass(frozen=True, slots=True)
class RescheduleContext:
    """A booked visit and what limits where it can move."""

    booking_id: int
    slot_start: datetime
    slot_end: datetime
    tz: str
    opening_hours: dict[str, Any]
    closed_days: list[date]
    busy: list[tuple[datetime, datetime]]


def reschedule_context(
    conn: psycopg.Connection, *, booking_id: int, center_id: int, now: datetime
) -> RescheduleContext | None:
    """Return the visit's slot, the center's hours and closed days and the technician's busy periods; None when the
    booking is not the center's."""
    rows = _all(
        conn, ADVISOR_RESCHEDULE_CONTEXT, {"booking_id": booking_id, "center_id": center_id, "now": now}
    )
    if not rows:
        return None
    row = rows[0]
    return RescheduleContext(
        booking_id=int(row["id"]),
        slot_start=row["slot_start"],
        slot_end=row["slot_end"],
        tz=str(row["tz"]),
        opening_hours=dict(row["opening_hours"]),
        closed_days=list(row["closed_days"] or []),
        busy=[(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in row["busy"]],
    )


def search_customers(conn: psycopg.Connection, *, center_id: int, q: str) -> list[dict[str, Any]]:
    """Return up to 20 of the center's customers matching a name, phone, plate or VIN, with their cars."""
    like = (
        q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    )  # LIKE's wildcards match themselves
    return _all(conn, ADVISOR_CUSTOMER_SEARCH, {"center_id": center_id, "q": q, "like": like})


@dataclass(frozen=True, slots=True)
class CustomerFile:
    """What the customer page shows of one customer."""

    customer: dict[str, Any]
    vehicles: list[dict[str, Any]]
    risks: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    surveys: list[dict[str, Any]]


def customer_file(conn: psycopg.Connection, *, center_id: int, customer_id: int) -> CustomerFile | None:
    """Return the customer's file when the customer is one of the center's, else None."""
    found = _all(conn, ADVISOR_CUSTOMER, {"center_id": center_id, "customer_id": customer_id})
    if not found:
        return None
    params = {"customer_id": customer_id}
    return CustomerFile(
        customer=found[0],
        vehicles=_all(conn, ADVISOR_CUSTOMER_VEHICLES, params),
        risks=_all(conn, ADVISOR_CUSTOMER_RISKS, params),
        messages=_all(conn, ADVISOR_CUSTOMER_MESSAGES, params),
        visits=_all(conn, ADVISOR_CUSTOMER_VISITS, params),
        surveys=_all(conn, ADVISOR_CUSTOMER_SURVEYS, params),
    )
