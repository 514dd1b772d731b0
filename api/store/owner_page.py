"""Database reads of the owner page (/o/<token>): the link's case, its options, its survey and the messages sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from api.sql import OWNER_PAGE_CASE, OWNER_PAGE_MESSAGES, OWNER_PAGE_OPTIONS, OWNER_PAGE_SURVEY
from core.db import query
from core.owner_links import OwnerLink


def _params(link: OwnerLink) -> dict[str, Any]:
    return {"customer_id": link.customer_id, "vehicle_id": link.vehicle_id, "risk_id": link.risk_id}


def case(conn: psycopg.Connection, *, link: OwnerLink) -> dict[str, Any] | None:
    """Return the car, its owner and the link's risk with its case; None when the car is not theirs."""
    return conn.cursor(row_factory=dict_row).execute(query(OWNER_PAGE_CASE), _params(link)).fetchone()


def options(conn: psycopg.Connection, *, link: OwnerLink, now: datetime) -> list[dict[str, Any]]:
    """Return the risk's options still ahead and its accepted one, the accepted one first."""
    params = {**_params(link), "now": now}
    return conn.cursor(row_factory=dict_row).execute(query(OWNER_PAGE_OPTIONS), params).fetchall()


def survey(conn: psycopg.Connection, *, link: OwnerLink) -> dict[str, Any] | None:
    """Return the risk's after-visit survey sent to this owner, if any."""
    return conn.cursor(row_factory=dict_row).execute(query(OWNER_PAGE_SURVEY), _params(link)).fetchone()


def messages(conn: psycopg.Connection, *, link: OwnerLink) -> list[dict[str, Any]]:
    """Return the messages sent to this owner about the link's risk (care message, progress), newest first."""
    return conn.cursor(row_factory=dict_row).execute(query(OWNER_PAGE_MESSAGES), _params(link)).fetchall()
