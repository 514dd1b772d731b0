"""Database reads behind the routes: named SQL in ``api/sql``, rows (dicts) shaped for the response models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from api.sql import (
    ADVISOR_BOARD,
    ADVISOR_FEED_ITEMS,
    ADVISOR_OWNER_REPLIES,
    API_KEY_BY_ID,
    CENTER_CALENDAR,
    CENTER_EXISTS,
    CENTER_OPEN_CASES,
    MANAGER_CENTER_RESPONSE,
    MANAGER_SATISFACTION,
    OWNER_INBOX,
    OWNER_VEHICLE,
    OWNER_VEHICLES,
    REQUEST_PHOTO,
    VEHICLE_ALERTS,
    VEHICLE_BOOKING_OPTIONS,
    VEHICLE_DAILY,
    VEHICLE_OPEN_RISKS,
)
from core.db import SqlFile, query


def center_exists(conn: psycopg.Connection, *, center_id: int) -> bool:
    """Return True when a service center with this id exists."""
    row = conn.cursor(row_factory=dict_row).execute(query(CENTER_EXISTS), {"center_id": center_id}).fetchone()
    return bool(row and row["found"])


def owner_vehicle(conn: psycopg.Connection, *, vin: str, customer_id: int) -> dict[str, Any] | None:
    """Return the vehicle (id, vin, model, powertrain) when it belongs to the customer, else None."""
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute(query(OWNER_VEHICLE), {"vin": vin, "customer_id": customer_id}).fetchone()


def vehicle_alerts(conn: psycopg.Connection, *, vehicle_id: int, customer_id: int) -> list[dict[str, Any]]:
    """Return the vehicle's open and resolved risks, newest first, with messages and booking options."""
    params = {"vehicle_id": vehicle_id, "customer_id": customer_id}
    return conn.cursor(row_factory=dict_row).execute(query(VEHICLE_ALERTS), params).fetchall()


def _all(conn: psycopg.Connection, name: SqlFile, params: dict[str, Any]) -> list[dict[str, Any]]:
    return conn.cursor(row_factory=dict_row).execute(query(name), params).fetchall()


def owner_vehicles(conn: psycopg.Connection, *, customer_id: int) -> list[dict[str, Any]]:
    """Return the customer's vehicles with their open-risk counts, by VIN."""
    return _all(conn, OWNER_VEHICLES, {"customer_id": customer_id})


def owner_inbox(conn: psycopg.Connection, *, customer_id: int, limit: int) -> list[dict[str, Any]]:
    """Return the customer's newest in-app inbox items."""
    return _all(conn, OWNER_INBOX, {"customer_id": customer_id, "limit": limit})


def vehicle_daily(conn: psycopg.Connection, *, vehicle_id: int, since: datetime) -> list[dict[str, Any]]:
    """Return the vehicle's daily rollup rows since `since`, oldest first (``day`` as a UTC date)."""
    return _all(conn, VEHICLE_DAILY, {"vehicle_id": vehicle_id, "since": since})


def vehicle_open_risks(conn: psycopg.Connection, *, vehicle_id: int) -> list[dict[str, Any]]:
    """Return the vehicle's open risks."""
    return _all(conn, VEHICLE_OPEN_RISKS, {"vehicle_id": vehicle_id})


def vehicle_booking_options(
    conn: psycopg.Connection, *, vehicle_id: int, customer_id: int, now: datetime
) -> list[dict[str, Any]]:
    """Return the vehicle's live options and booked visits offered to this owner that have not ended, soonest
    first."""
    params = {"vehicle_id": vehicle_id, "customer_id": customer_id, "now": now}
    return _all(conn, VEHICLE_BOOKING_OPTIONS, params)


def center_calendar(
    conn: psycopg.Connection, *, center_id: int, booking_id: int | None, since: datetime | None
) -> list[dict[str, Any]]:
    """Return the center's accepted bookings ending after `since`, or only the booking asked for."""
    return _all(conn, CENTER_CALENDAR, {"center_id": center_id, "booking_id": booking_id, "since": since})


def api_key_by_id(conn: psycopg.Connection, *, key_id: int) -> dict[str, Any] | None:
    """Return the active API key with this id (id, center_id, role), or None."""
    rows = _all(conn, API_KEY_BY_ID, {"id": key_id})
    return rows[0] if rows else None


def open_cases(
    conn: psycopg.Connection, *, center_id: int, after_id: int, limit: int
) -> list[dict[str, Any]]:
    """Return up to `limit` open cases of the center with risk id > `after_id`, by risk id."""
    return _all(conn, CENTER_OPEN_CASES, {"center_id": center_id, "after_id": after_id, "limit": limit})


def center_response(conn: psycopg.Connection, *, since: datetime) -> list[dict[str, Any]]:
    """Return per center how its suggestions since `since` were answered and how fast."""
    return _all(conn, MANAGER_CENTER_RESPONSE, {"since": since})


def advisor_board(conn: psycopg.Connection, *, center_id: int, now: datetime) -> list[dict[str, Any]]:
    """Return the center's live suggestions and accepted bookings whose slot has not ended, soonest first."""
    return _all(conn, ADVISOR_BOARD, {"center_id": center_id, "now": now})


def satisfaction(conn: psycopg.Connection, *, since: datetime) -> dict[int, dict[str, Any]]:
    """Return per center id the answered surveys since `since`, their mean score and low-score count."""
    return {row["center_id"]: row for row in _all(conn, MANAGER_SATISFACTION, {"since": since})}


def advisor_feed_items(conn: psycopg.Connection, *, center_id: int) -> list[dict[str, Any]]:
    """Return the center's open feed items but owners' replies (outreach, low feedback, conflicts), oldest first."""
    return _all(conn, ADVISOR_FEED_ITEMS, {"center_id": center_id})


def advisor_owner_replies(conn: psycopg.Connection, *, center_id: int) -> list[dict[str, Any]]:
    """Return the center's open owner replies (core/messaging.py writes them), newest first, with its zone."""
    return _all(conn, ADVISOR_OWNER_REPLIES, {"center_id": center_id})


def request_photo(conn: psycopg.Connection, *, center_id: int, risk_id: int) -> tuple[str, bytes] | None:
    """Return (content type, bytes) of an owner request's photo when the center may see it (offered or booked
    there, or the owner's preferred center); None when there is no photo or it is not this center's."""
    params = {"center_id": center_id, "risk_id": risk_id}
    row = conn.cursor(row_factory=dict_row).execute(query(REQUEST_PHOTO), params).fetchone()
    return None if row is None else (str(row["content_type"]), bytes(row["data"]))
