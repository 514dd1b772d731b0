"""The one writer of ``booking_suggestion`` statuses: notify offers options (insert, with the estimate shown to
the owner), releases and expires them (also those the dealer's data now rules out); the API accepts (with the
owner's pickup and delivery) and declines them. Timestamps come from the caller's ``now`` (the clock convention of
core/cases.py). Which transitions are allowed is decided in domain/lifecycle.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from core import events
from core.db import SqlFile, query
from core.sql import (
    BOOKING_ACCEPT,
    BOOKING_DECLINE,
    BOOKING_EXPIRE,
    BOOKING_INSERT,
    BOOKING_PICKUP,
    BOOKING_RELEASE_CONFLICTS,
    BOOKING_RELEASE_OFFERS,
    BOOKING_RELEASE_OTHERS,
    BOOKING_RESCHEDULE,
    OWNER_REPLAN_PLANNED,
    OWNER_REPLAN_REQUEST,
)
from domain.events import EventType
from domain.pickup import PickupPlan
from domain.preference import OwnerPreference
from domain.pricing import Estimate


def insert(conn: psycopg.Connection, *, options: Sequence[Mapping[str, Any]]) -> None:
    """Insert booking options (the columns of booking_insert.sql); an option already offered is left alone."""
    if options:
        with conn.cursor() as cur:
            cur.executemany(query(BOOKING_INSERT), options)


def accept(conn: psycopg.Connection, *, booking_id: int, by: str, now: datetime) -> None:
    """Mark the option accepted; the database refuses an overlapping accepted slot of the same technician
    (ExclusionViolation) and a second accepted option of the risk (UniqueViolation)."""
    conn.execute(query(BOOKING_ACCEPT), {"booking_id": booking_id, "by": by, "now": now})
    events.offers_changed(conn, booking_ids=[booking_id], type=EventType.OFFER_ACCEPTED, now=now)


def set_pickup(
    conn: psycopg.Connection,
    *,
    booking_id: int,
    address: str,
    lat: float,
    lon: float,
    plan: PickupPlan,
    estimate: Estimate | None,
) -> None:
    """Record the owner's pickup and delivery on an option (with the estimate including its fee)."""
    conn.execute(
        query(BOOKING_PICKUP),
        {
            "booking_id": booking_id,
            "address": address,
            "lat": lat,
            "lon": lon,
            "pickup_at": plan.pickup_at,
            "delivery_at": plan.delivery_at,
            "distance_km": plan.distance_km,
            "estimate": None if estimate is None else Jsonb(estimate.model_dump(mode="json")),
        },
    )


def decline(conn: psycopg.Connection, *, booking_id: int, now: datetime) -> None:
    """Mark the option declined (and write offer.declined)."""
    conn.execute(query(BOOKING_DECLINE), {"booking_id": booking_id})
    events.offers_changed(conn, booking_ids=[booking_id], type=EventType.OFFER_DECLINED, now=now)


def _expire_ids(
    conn: psycopg.Connection, sql: SqlFile, params: Mapping[str, Any], *, now: datetime
) -> list[Any]:
    """Run a statement that expires options (RETURNING their id first), write offer.expired for each; return the
    rows."""
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(query(sql), params).fetchall()
    events.offers_changed(conn, booking_ids=[r[0] for r in rows], type=EventType.OFFER_EXPIRED, now=now)
    return rows


def reschedule(
    conn: psycopg.Connection, *, booking_id: int, slot_start: datetime, slot_end: datetime, now: datetime
) -> None:
    """Move an accepted option to another slot of its technician (and write offer.rescheduled); the database
    refuses an overlapping one (ExclusionViolation)."""
    params = {"booking_id": booking_id, "slot_start": slot_start, "slot_end": slot_end}
    conn.execute(query(BOOKING_RESCHEDULE), params)
    events.offers_changed(conn, booking_ids=[booking_id], type=EventType.OFFER_RESCHEDULED, now=now)


def release_others(conn: psycopg.Connection, *, risk_id: int, booking_id: int, now: datetime) -> None:
    """Expire the risk's other open options once one is accepted."""
    params = {"risk_id": risk_id, "booking_id": booking_id}
    _expire_ids(conn, BOOKING_RELEASE_OTHERS, params, now=now)


def release_offers(conn: psycopg.Connection, *, risk_id: int, now: datetime) -> int:
    """Expire the risk's open options (a new notice brings fresh ones); return how many."""
    return len(_expire_ids(conn, BOOKING_RELEASE_OFFERS, {"risk_id": risk_id}, now=now))


def expire(conn: psycopg.Connection, *, now: datetime) -> int:
    """Expire every option that can no longer be honoured at `now`; return how many."""
    return len(_expire_ids(conn, BOOKING_EXPIRE, {"now": now}, now=now))


def release_conflicts(conn: psycopg.Connection, *, now: datetime) -> list[int]:
    """Expire the open options the dealer's data now rules out (center closed, closed day, technician gone, absent
    or booked in the DMS: booking_slot_conflict) or made to a previous owner of the car; return the ids of their
    risks, each once."""
    rows = _expire_ids(conn, BOOKING_RELEASE_CONFLICTS, {"now": now}, now=now)
    return sorted({risk_id for (_booking_id, risk_id) in rows})


def request_replan(
    conn: psycopg.Connection, *, risk_id: int, preference: OwnerPreference, now: datetime
) -> int:
    """The owner asked for another time: release the risk's open offers and store the preference notify's next
    pass honours (replacing an earlier one); return how many offers were released."""
    released = release_offers(conn, risk_id=risk_id, now=now)
    params = {
        "risk_id": risk_id,
        "earliest_date": preference.earliest,
        "part_of_day": preference.part_of_day,
        "nearby": preference.nearby,
        "now": now,
    }
    conn.execute(query(OWNER_REPLAN_REQUEST), params)
    return released


def replan_planned(conn: psycopg.Connection, *, risk_id: int, now: datetime) -> None:
    """Notify planned the owner's request (with or without options found)."""
    conn.execute(query(OWNER_REPLAN_PLANNED), {"risk_id": risk_id, "now": now})
