"""Database reads behind the routes: named SQL in ``api/sql``, rows (dicts) shaped for the response models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from core.db import query


def center_exists(conn: psycopg.Connection, *, center_id: int) -> bool:
    """Return True when a service center with this id exists."""
    row = (
        conn.cursor(row_factory=dict_row)
        .execute(query("api", "center_exists"), {"center_id": center_id})
        .fetchone()
    )
    return bool(row and row["found"])


def suggested_bookings(
    conn: psycopg.Connection,
    *,
    center_id: int,
    after_id: int,
    limit: int,
    status: str | None,
    since: datetime | None,
) -> list[dict[str, Any]]:
    """Return up to `limit` of the center's suggestions with id > `after_id`, in id order, nested per model."""
    params = {"center_id": center_id, "after_id": after_id, "limit": limit, "status": status, "since": since}
    rows = conn.cursor(row_factory=dict_row).execute(query("api", "suggested_bookings"), params)
    return [_nest_suggestion(row) for row in rows]


def _nest_suggestion(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "rank": row["rank"],
        "status": row["status"],
        "risk": {
            "id": row["risk_id"],
            "kind": row["kind"],
            "severity": row["severity"],
            "confidence": row["confidence"],
            "diagnosis": row["diagnosis"],
            "predicted_date": row["predicted_date"],
            "predicted_low": row["predicted_low"],
            "predicted_high": row["predicted_high"],
            "evidence": row["evidence"],
        },
        "vehicle": {"vin": row["vin"], "model": row["model"], "powertrain": row["powertrain"]},
        "customer": {"name": row["customer_name"], "segment": row["segment"], "locale": row["locale"]},
        "slot_start": row["slot_start"],
        "slot_end": row["slot_end"],
        "technician": {"id": row["technician_id"], "name": row["technician_name"]},
        "parts": row["parts"],
        "deadline": row["deadline"],
        "distance_km": row["distance_km"],
        "reason": row["reason"],
        "created_at": row["created_at"],
    }


def owner_vehicle(conn: psycopg.Connection, *, vin: str, customer_id: int) -> dict[str, Any] | None:
    """Return the vehicle (id, vin, model) when it belongs to the customer, else None."""
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute(query("api", "owner_vehicle"), {"vin": vin, "customer_id": customer_id}).fetchone()


def vehicle_alerts(conn: psycopg.Connection, *, vehicle_id: int, customer_id: int) -> list[dict[str, Any]]:
    """Return the vehicle's open and resolved risks, newest first, with messages and booking options."""
    params = {"vehicle_id": vehicle_id, "customer_id": customer_id}
    return conn.cursor(row_factory=dict_row).execute(query("api", "vehicle_alerts"), params).fetchall()
