"""The one writer of ``center_event``: what happened that a center's dealer system wants to know, written in the
transaction that made it happen. The trigger of migration 0037 turns each event into one webhook delivery per
live subscription of the center (the transactional outbox); notify's push job sends them, signed.

Times are the caller's ``now`` (the clock convention of core/cases.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from core.db import query
from core.sql import EVENT_CASE_STAGE, EVENT_INSERT, EVENT_OFFERS
from domain.events import EventType


def emit(
    conn: psycopg.Connection, *, center_id: int, type: EventType, data: Mapping[str, Any], now: datetime
) -> str:
    """Write one event of `center_id` and return its id (the event_id its deliveries carry)."""
    params = {"center_id": center_id, "type": str(type), "data": Jsonb(dict(data)), "now": now}
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query(EVENT_INSERT), params).fetchone()
    assert row is not None  # INSERT ... RETURNING always returns the row
    return str(row[0])


def offers_changed(
    conn: psycopg.Connection, *, booking_ids: Sequence[int], type: EventType, now: datetime
) -> int:
    """Write one `type` event per booking option (offer.accepted / declined / expired); return how many."""
    if not booking_ids:
        return 0
    params = {"booking_ids": list(booking_ids), "type": str(type), "now": now}
    return conn.execute(query(EVENT_OFFERS), params).rowcount


def case_stage_changed(conn: psycopg.Connection, *, risk_id: int, now: datetime) -> int:
    """Write a case.stage_changed event with the case's stage and stamps as they are now; return 1, or 0 when
    the case has no center yet."""
    return conn.execute(query(EVENT_CASE_STAGE), {"risk_id": risk_id, "now": now}).rowcount


def ping(conn: psycopg.Connection, *, center_id: int, webhook_id: int, now: datetime) -> str:
    """Write a webhook.ping event delivered to the one subscription `webhook_id`; return the event id."""
    data = {"webhook_id": webhook_id, "message": "ping"}
    return emit(conn, center_id=center_id, type=EventType.WEBHOOK_PING, data=data, now=now)
