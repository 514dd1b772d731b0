"""PostgreSQL I/O of the notifier: cases to look at, booking candidates, messages, suggestions and case stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb

from core import bookings
from core.db import query
from domain.preference import OwnerPreference
from domain.pricing import CenterPrices
from notify.booking import BookingOption, Candidates, Center, Interval, StockLevel, Technician
from notify.compose import Message
from notify.slots import DayKind, Shift
from notify.sql import (
    ATTENTION_RISKS,
    BOOKING_LOCK,
    BUSY,
    CANCEL_QUEUED,
    CANCEL_TRANSFERRED,
    CANCEL_TRANSFERRED_DELIVERIES,
    CASE_MESSAGES,
    CENTERS,
    INSERT_MESSAGE,
    LIVE_RANKS,
    LOCK_CASE,
    OWNER_PREFERENCE,
    PART_NAMES,
    REPLAN_RISKS,
    SERVICED_CASES,
    STOCK,
    SURFACE_CONFLICTS,
    TECHNICIANS,
)

# pg_advisory_xact_lock key of the booking section; any constant no other Carecast process uses.
_BOOKING_LOCK_KEY = 0x6E_6F_74_69  # "noti"


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A risk with its case, vehicle, customer (quiet hours, last message) and the car's home area."""

    risk_id: int
    risk_status: str
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
    stage: str
    muted: bool
    notified_severity: str | None
    quiet_start: time | None
    quiet_end: time | None
    last_sent_at: datetime | None


def attention_risk_ids(conn: psycopg.Connection, *, limit: int) -> list[int]:
    """Return ids of risks whose conversation may need a step (open and unbooked, or ended while told)."""
    return [row[0] for row in conn.execute(query(ATTENTION_RISKS), {"limit": limit})]


def lock_case(conn: psycopg.Connection, *, risk_id: int, now: datetime) -> CaseRow | None:
    """Lock one risk FOR UPDATE SKIP LOCKED and return it with its case; None when held elsewhere."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query(LOCK_CASE), {"risk_id": risk_id, "now": now}).fetchone()
    return None if row is None else CaseRow(**row)


def case_messages(conn: psycopg.Connection, *, risk_id: int) -> dict[str, datetime]:
    """Return purpose -> creation time of every message of the risk's conversation."""
    return dict(conn.execute(query(CASE_MESSAGES), {"risk_id": risk_id}).fetchall())


def cancel_queued(conn: psycopg.Connection, *, risk_id: int) -> int:
    """Cancel the risk's still-queued messages; return how many."""
    return conn.execute(query(CANCEL_QUEUED), {"risk_id": risk_id}).rowcount


def serviced_cases(
    conn: psycopg.Connection, *, now: datetime, grace_days: int, limit: int
) -> list[dict[str, Any]]:
    """Lock and return serviced cases with a confirmed fault and their telemetry since the service."""
    params = {"now": now, "grace_days": grace_days, "limit": limit}
    return conn.cursor(row_factory=dict_row).execute(query(SERVICED_CASES), params).fetchall()


def replan_risk_ids(conn: psycopg.Connection, *, limit: int, refill: Sequence[int] = ()) -> list[int]:
    """Return notified, unbooked open risks whose offers all expired, and those of `refill` (some offers just
    released) still unbooked."""
    params = {"limit": limit, "refill": list(refill)}
    with conn.cursor(row_factory=tuple_row) as cur:
        return [row[0] for row in cur.execute(query(REPLAN_RISKS), params)]


def owner_preference(conn: psycopg.Connection, *, risk_id: int) -> OwnerPreference | None:
    """Return the owner's "another time" preference for the risk (owner page), None when there is none."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query(OWNER_PREFERENCE), {"risk_id": risk_id}).fetchone()
    if row is None:
        return None
    earliest, part_of_day, nearby = row
    return OwnerPreference(earliest=earliest, part_of_day=part_of_day, nearby=nearby)


def live_ranks(conn: psycopg.Connection, *, risk_id: int) -> set[int]:
    """Return the ranks of the risk's offers still on the table."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return {row[0] for row in cur.execute(query(LIVE_RANKS), {"risk_id": risk_id})}


def surface_conflicts(conn: psycopg.Connection, *, now: datetime) -> int:
    """Add a 'booking_conflict' item to the center's feed for each accepted booking ahead the dealer's data now
    rules out (once per booking); return how many were added."""
    return conn.execute(query(SURFACE_CONFLICTS), {"now": now}).rowcount


def cancel_transferred(conn: psycopg.Connection) -> int:
    """Call off queued messages and pending deliveries about vehicles their owner no longer owns; return how many."""
    messages = conn.execute(query(CANCEL_TRANSFERRED)).rowcount
    return messages + conn.execute(query(CANCEL_TRANSFERRED_DELIVERIES)).rowcount


def load_candidates(conn: psycopg.Connection, *, today: date) -> Candidates:
    """Return every active center (bays, own calendar days from the day before `today`), active technician with
    their shifts, free stock level and part name."""
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
                bays=r["bays"],
                calendar_days={date.fromisoformat(d): DayKind(k) for d, k in r["calendar_days"].items()},
                prices=CenterPrices(
                    hourly_rate=r["hourly_rate"], tax_rate=r["tax_rate"], tax_included=r["prices_include_tax"]
                ),
            )
            for r in cur.execute(query(CENTERS), {"today": today})
        )
        technicians = tuple(
            Technician(
                id=r["id"],
                center_id=r["center_id"],
                name=r["name"],
                skills=frozenset(r["skills"]),
                shifts=tuple(
                    Shift(w, time.fromisoformat(a), time.fromisoformat(b)) for w, a, b in r["shifts"]
                ),
            )
            for r in cur.execute(query(TECHNICIANS))
        )
        stock: dict[int, dict[str, StockLevel]] = {}
        for r in cur.execute(query(STOCK)):
            stock.setdefault(r["center_id"], {})[r["sku"]] = StockLevel(
                r["available"], r["restock_days"], r["restock_date"]
            )
        parts = cur.execute(query(PART_NAMES)).fetchall()
    return Candidates(
        centers=centers,
        technicians=technicians,
        stock=stock,
        part_names={r["sku"]: r["name"] for r in parts},
        part_prices={r["sku"]: r["price"] for r in parts},
    )


def lock_bookings(conn: psycopg.Connection) -> None:
    """Take the transaction-scoped lock that serialises reading busy slots and offering new ones."""
    conn.execute(query(BOOKING_LOCK), {"key": _BOOKING_LOCK_KEY})


@dataclass(frozen=True, slots=True)
class Busy:
    """Periods that hold time: per technician (bookings, offers, DMS appointments, absences) and per center
    (every job that takes a bay)."""

    technicians: dict[int, list[Interval]]
    centers: dict[int, list[Interval]]


def load_busy(conn: psycopg.Connection, *, center_ids: Sequence[int], since: datetime) -> Busy:
    """Return what holds the centers' technicians and bays after `since`."""
    busy = Busy({}, {})
    if not center_ids:
        return busy
    params = {"center_ids": list(center_ids), "since": since}
    rows = conn.cursor(row_factory=tuple_row).execute(query(BUSY), params).fetchall()
    for center_id, tech_id, start, end, takes_bay in rows:
        period = Interval(start, end)
        if tech_id is not None:
            busy.technicians.setdefault(tech_id, []).append(period)
        if takes_bay:
            busy.centers.setdefault(center_id, []).append(period)
    return busy


def save_message(
    conn: psycopg.Connection,
    *,
    row: CaseRow,
    message: Message,
    purpose: str,
    channel: str,
    send_after: datetime,
    now: datetime,
) -> int | None:
    """Insert one message of the risk's conversation; return its id, None when that purpose already exists."""
    found = conn.execute(
        query(INSERT_MESSAGE),
        {
            "risk_id": row.risk_id,
            "vehicle_id": row.vehicle_id,
            "customer_id": row.customer_id,
            "purpose": purpose,
            "locale": message.locale,
            "channel": channel,
            "subject": message.subject,
            "body": message.body,
            "send_after": send_after,
            "severity": row.severity,
            "now": now,
        },
    ).fetchone()
    return None if found is None else found[0]


def save_suggestions(
    conn: psycopg.Connection, *, row: CaseRow, options: Sequence[BookingOption], expires_at: datetime
) -> None:
    """Insert the risk's booking options; each expires at `expires_at` or its slot start, whichever is first."""
    bookings.insert(conn, options=[_suggestion_params(row, o, expires_at=expires_at) for o in options])


def _suggestion_params(row: CaseRow, option: BookingOption, *, expires_at: datetime) -> dict[str, Any]:
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
        "risk_id": row.risk_id,
        "vehicle_id": row.vehicle_id,
        "center_id": option.center.id,
        "technician_id": option.technician.id,
        "rank": option.rank,
        "slot_start": option.slot_start,
        "slot_end": option.slot_end,
        "deadline": option.deadline,
        "distance_km": option.distance_km,
        "parts": Jsonb(parts),
        "reason": option.reason,
        "estimate": None if option.estimate is None else Jsonb(option.estimate.model_dump(mode="json")),
        "expires_at": min(expires_at, option.slot_start),
    }
