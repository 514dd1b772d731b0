"""PostgreSQL I/O of the notifier: pending risks, booking candidates, and the message + suggestions write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from core.db import query
from notify.booking import BookingOption, Candidates, Center, Interval, StockLevel, Technician
from notify.compose import Message

# pg_advisory_xact_lock key of the booking section; any constant no other Carecast process uses.
_BOOKING_LOCK_KEY = 0x6E_6F_74_69  # "noti"


@dataclass(frozen=True, slots=True)
class PendingRisk:
    """An open risk still waiting for its message, with its vehicle, customer and the car's home area."""

    risk_id: int
    kind: str
    severity: str
    diagnosis: str
    evidence: dict[str, Any]
    predicted_date: date | None
    predicted_low: date | None
    predicted_high: date | None
    vehicle_id: int
    vin: str
    model: str
    region: str
    customer_id: int
    customer_name: str
    locale: str
    customer_tz: str
    segment: str
    preferred_center_id: int | None
    home_lat: float | None
    home_lon: float | None
    home_source: str | None


def pending_risk_ids(conn: psycopg.Connection, *, purpose: str, limit: int) -> list[int]:
    """Return ids of open risks without a message of `purpose`, oldest first."""
    rows = conn.execute(query("notify", "pending_risks"), {"purpose": purpose, "limit": limit}).fetchall()
    return [row[0] if isinstance(row, tuple) else row["id"] for row in rows]


def lock_pending_risk(
    conn: psycopg.Connection, *, risk_id: int, purpose: str, now: datetime
) -> PendingRisk | None:
    """Lock one still-pending risk FOR UPDATE SKIP LOCKED and return it; None when done or held elsewhere."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            query("notify", "lock_risk"), {"risk_id": risk_id, "purpose": purpose, "now": now}
        ).fetchone()
    return None if row is None else PendingRisk(**row)


def load_candidates(conn: psycopg.Connection) -> Candidates:
    """Return every center, active technician, free stock level and part name."""
    with conn.cursor(row_factory=dict_row) as cur:
        centers = tuple(
            Center(
                id=r["id"],
                name=r["name"],
                city=r["city"],
                region=r["region"],
                lat=r["lat_deg"],
                lon=r["lon_deg"],
                tz=r["tz"],
                opening_hours=r["opening_hours"],
            )
            for r in cur.execute(query("notify", "centers"))
        )
        technicians = tuple(
            Technician(id=r["id"], center_id=r["center_id"], name=r["name"], skills=frozenset(r["skills"]))
            for r in cur.execute(query("notify", "technicians"))
        )
        stock: dict[int, dict[str, StockLevel]] = {}
        for r in cur.execute(query("notify", "stock")):
            stock.setdefault(r["center_id"], {})[r["sku"]] = StockLevel(r["available"], r["restock_days"])
        names = {r["sku"]: r["name"] for r in cur.execute(query("notify", "part_names"))}
    return Candidates(centers=centers, technicians=technicians, stock=stock, part_names=names)


def lock_bookings(conn: psycopg.Connection) -> None:
    """Take the transaction-scoped lock that serialises reading busy slots and offering new ones."""
    conn.execute(query("notify", "booking_lock"), {"key": _BOOKING_LOCK_KEY})


def load_busy(
    conn: psycopg.Connection, *, technician_ids: Sequence[int], since: datetime
) -> dict[int, list[Interval]]:
    """Return the accepted and still-offered slots ending after `since`, per technician."""
    busy: dict[int, list[Interval]] = {}
    if not technician_ids:
        return busy
    rows = conn.execute(query("notify", "busy"), {"technician_ids": list(technician_ids), "since": since})
    for tech_id, start, end in (tuple(r.values()) if isinstance(r, dict) else r for r in rows):
        busy.setdefault(tech_id, []).append(Interval(start, end))
    return busy


def save_notice(
    conn: psycopg.Connection,
    *,
    risk: PendingRisk,
    message: Message,
    purpose: str,
    channel: str,
    send_after: datetime,
    options: Sequence[BookingOption],
) -> int | None:
    """Insert the message and its booking suggestions; return the message id, None when it already existed."""
    row = conn.execute(
        query("notify", "insert_message"),
        {
            "risk_id": risk.risk_id,
            "vehicle_id": risk.vehicle_id,
            "customer_id": risk.customer_id,
            "purpose": purpose,
            "locale": message.locale,
            "channel": channel,
            "subject": message.subject,
            "body": message.body,
            "send_after": send_after,
        },
    ).fetchone()
    if row is None:
        return None
    if options:
        with conn.cursor() as cur:
            cur.executemany(
                query("notify", "insert_suggestion"), [_suggestion_params(risk, o) for o in options]
            )
    return row[0] if isinstance(row, tuple) else row["id"]


def _suggestion_params(risk: PendingRisk, option: BookingOption) -> dict[str, Any]:
    parts = [
        {
            "sku": p.sku,
            "name": p.name,
            "qty": p.qty,
            "in_stock": p.in_stock,
            "available_on": p.available_on.isoformat(),
        }
        for p in option.parts
    ]
    return {
        "risk_id": risk.risk_id,
        "vehicle_id": risk.vehicle_id,
        "center_id": option.center.id,
        "technician_id": option.technician.id,
        "rank": option.rank,
        "slot_start": option.slot_start,
        "slot_end": option.slot_end,
        "deadline": option.deadline,
        "distance_km": option.distance_km,
        "parts": Jsonb(parts),
        "reason": option.reason,
    }
