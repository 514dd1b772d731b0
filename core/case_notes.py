"""The one writer of ``case_note`` (migration 0038): an advisor's note on one case (one risk of one car), stamped
with the caller's ``now``."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.rows import tuple_row

from core.db import query
from core.sql import CASE_NOTE_INSERT

MAX_CHARS = 2000


def add_note(
    conn: psycopg.Connection,
    *,
    risk_id: int,
    center_id: int,
    advisor_id: int | None,
    body: str,
    now: datetime,
) -> int | None:
    """Store the note and return its id; None when the case is not one of the center's (or the note is empty or
    longer than MAX_CHARS)."""
    text = body.strip()
    if not 0 < len(text) <= MAX_CHARS:
        return None
    params = {"risk_id": risk_id, "center_id": center_id, "advisor_id": advisor_id, "body": text, "now": now}
    row = conn.cursor(row_factory=tuple_row).execute(query(CASE_NOTE_INSERT), params).fetchone()
    return None if row is None else int(row[0])
