"""The one writer of owner-started requests: a risk of kind owner_request (the owner's words as typed evidence)
and its photo. Notify plans the visit on its next pass like any other open risk (notify/job.py)."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from core.db import query
from core.sql import OWNER_REQUEST_INSERT, OWNER_REQUEST_PHOTO_INSERT
from domain.evidence import OwnerRequestEvidence
from domain.owner_request import severity_of
from domain.vocabulary import RequestCategory


def file_request(
    conn: psycopg.Connection,
    *,
    vehicle_id: int,
    category: RequestCategory,
    text: str,
    photo: tuple[str, bytes] | None,
    now: datetime,
) -> int | None:
    """Record the request (and its photo: content type, bytes); return the risk id, None when the car already has
    an open request."""
    evidence = OwnerRequestEvidence(category=category, text=text, photo=photo is not None)
    row = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            query(OWNER_REQUEST_INSERT),
            {
                "vehicle_id": vehicle_id,
                "severity": str(severity_of(category)),
                "category": str(category),
                "evidence": Jsonb(evidence.to_json()),
                "now": now,
            },
        )
        .fetchone()
    )
    if row is None:
        return None
    if photo is not None:
        content_type, data = photo
        conn.execute(
            query(OWNER_REQUEST_PHOTO_INSERT),
            {"risk_id": row[0], "content_type": content_type, "data": data, "now": now},
        )
    return int(row[0])
