"""The one writer of ``feedback_alert`` and of the outreach outcome columns of ``center_feed_item``: a negative
survey answer becomes an alert assigned to the customer's advisor, moved open -> acknowledged -> contacted ->
resolved by the center's advisors (domain/feedback.py decides which step applies), with a goodwill gesture on
the side; outreach tasks close with an outcome. Each change writes its webhook event (core/events.py) in the same
transaction, and its audit row (core/advisors.py: who did it, an advisor or a center key). Times are the caller's
``now``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from core import advisors, events
from core.db import query
from core.errors import CarecastError
from core.sql import (
    FEEDBACK_ALERT_GOODWILL,
    FEEDBACK_ALERT_INSERT,
    FEEDBACK_ALERT_LOCK,
    FEEDBACK_ALERT_STEP,
    FEEDBACK_FEED_DONE,
    OUTREACH_CLOSE,
)
from domain.events import EventType
from domain.feedback import (
    AlertAction,
    AlertStatus,
    GoodwillKind,
    OutreachOutcome,
    Resolution,
    next_status,
)


class NotFound(CarecastError, LookupError):
    """No such alert or open task at this center."""


class Refused(CarecastError, ValueError):
    """The step does not apply (wrong status, goodwill already recorded, a resolution missing)."""


@dataclass(frozen=True, slots=True)
class StepDone:
    """An alert after a step."""

    alert_id: int
    status: AlertStatus
    resolution: Resolution | None


def open_alert(
    conn: psycopg.Connection, *, survey_id: int, negative: Mapping[str, int], now: datetime
) -> int | None:
    """Create the survey's alert (in the caller's transaction, the one storing the answers) and its
    feedback.negative event; return the alert id (None when the survey already had one)."""
    with conn.cursor(row_factory=dict_row) as cur:
        params = {"survey_id": survey_id, "negative": Jsonb(dict(negative)), "now": now}
        row = cur.execute(query(FEEDBACK_ALERT_INSERT), params).fetchone()
    if row is None:
        return None
    data = {
        "alert_id": row["id"],
        "survey_id": row["survey_id"],
        "risk_id": row["risk_id"],
        "vin": row["vin"],
        "advisor_id": row["advisor_id"],
        "negative": row["negative"],
    }
    events.emit(conn, center_id=row["center_id"], type=EventType.FEEDBACK_NEGATIVE, data=data, now=now)
    return int(row["id"])


def step(
    conn: psycopg.Connection,
    *,
    center_id: int,
    alert_id: int,
    action: AlertAction,
    advisor_id: int | None,
    now: datetime,
    resolution: Resolution | None = None,
    note: str | None = None,
    key_id: int | None = None,
) -> StepDone:
    """Move the center's alert one step, stamped with `advisor_id` and `now` (`key_id`: through a center API key);
    a resolve needs a resolution and writes feedback.resolved. Raises NotFound or Refused."""
    with conn.cursor(row_factory=dict_row) as cur:
        locked = cur.execute(
            query(FEEDBACK_ALERT_LOCK), {"alert_id": alert_id, "center_id": center_id}
        ).fetchone()
    if locked is None:
        raise NotFound(f"no feedback alert {alert_id} at this center")
    try:
        status = next_status(AlertStatus(locked["status"]), action)
    except ValueError as exc:
        raise Refused(str(exc)) from exc
    if status is AlertStatus.RESOLVED and resolution is None:
        raise Refused("a resolution is needed to resolve an alert")
    params = {
        "alert_id": alert_id,
        "status": str(status),
        "advisor_id": advisor_id,
        "resolution": None if status is not AlertStatus.RESOLVED or resolution is None else str(resolution),
        "note": note.strip() if note and note.strip() else None,
        "now": now,
    }
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query(FEEDBACK_ALERT_STEP), params).fetchone()
    assert row is not None  # locked above
    if status is AlertStatus.RESOLVED:
        conn.execute(query(FEEDBACK_FEED_DONE), {"risk_id": row["risk_id"]})
        data = {
            "alert_id": alert_id,
            "survey_id": row["survey_id"],
            "risk_id": row["risk_id"],
            "vin": row["vin"],
            "resolution": row["resolution"],
            "resolved_by": advisor_id,
        }
        events.emit(conn, center_id=center_id, type=EventType.FEEDBACK_RESOLVED, data=data, now=now)
    _audit(conn, center_id=center_id, advisor_id=advisor_id, key_id=key_id, now=now,
           action=f"feedback.{action.value}", subject=f"feedback_alert:{alert_id}",
           detail={"resolution": row["resolution"]})  # fmt: skip
    return StepDone(alert_id, status, Resolution(row["resolution"]) if row["resolution"] else None)


def record_goodwill(
    conn: psycopg.Connection,
    *,
    center_id: int,
    alert_id: int,
    kind: GoodwillKind,
    amount: Decimal,
    note: str | None,
    advisor_id: int | None,
    now: datetime,
    key_id: int | None = None,
) -> StepDone:
    """Record the center's goodwill gesture (coupon value or points) on its alert, once; return the alert as it
    stands. Raises NotFound or Refused."""
    if not amount > 0:
        raise Refused("the goodwill amount must be positive")
    with conn.cursor(row_factory=dict_row) as cur:
        locked = cur.execute(
            query(FEEDBACK_ALERT_LOCK), {"alert_id": alert_id, "center_id": center_id}
        ).fetchone()
    if locked is None:
        raise NotFound(f"no feedback alert {alert_id} at this center")
    params = {
        "alert_id": alert_id,
        "kind": str(kind),
        "amount": amount,
        "note": note.strip() if note and note.strip() else None,
        "advisor_id": advisor_id,
        "now": now,
    }
    if conn.execute(query(FEEDBACK_ALERT_GOODWILL), params).rowcount == 0:
        raise Refused("a goodwill gesture was already recorded on this alert")
    _audit(conn, center_id=center_id, advisor_id=advisor_id, key_id=key_id, now=now, action="feedback.goodwill",
           subject=f"feedback_alert:{alert_id}", detail={"kind": str(kind), "amount": str(amount)})  # fmt: skip
    resolution = locked["resolution"]
    return StepDone(alert_id, AlertStatus(locked["status"]), Resolution(resolution) if resolution else None)


def close_outreach(
    conn: psycopg.Connection,
    *,
    center_id: int,
    item_id: int,
    outcome: OutreachOutcome,
    note: str | None,
    advisor_id: int | None,
    now: datetime,
    key_id: int | None = None,
) -> dict[str, Any]:
    """Close the center's open outreach task with its outcome and write outreach.outcome; return the task.
    Raises NotFound (not the center's, not an outreach task, or already closed)."""
    params = {
        "item_id": item_id,
        "center_id": center_id,
        "outcome": str(outcome),
        "note": note.strip() if note and note.strip() else None,
        "advisor_id": advisor_id,
        "now": now,
    }
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query(OUTREACH_CLOSE), params).fetchone()
    if row is None:
        raise NotFound(f"no open outreach task {item_id} at this center")
    data = {
        "task_id": row["id"],
        "vin": row["vin"],
        "reason": row["reason"],
        "outcome": row["outcome"],
        "closed_by": advisor_id,
    }
    events.emit(conn, center_id=center_id, type=EventType.OUTREACH_OUTCOME, data=data, now=now)
    _audit(conn, center_id=center_id, advisor_id=advisor_id, key_id=key_id, now=now, action="outreach.outcome",
           subject=f"outreach:{item_id}", detail={"outcome": str(outcome)})  # fmt: skip
    return dict(row)


def _audit(
    conn: psycopg.Connection,
    *,
    center_id: int,
    advisor_id: int | None,
    key_id: int | None,
    action: str,
    subject: str,
    detail: Mapping[str, Any],
    now: datetime,
) -> None:
    full = {**detail, "key_id": key_id} if key_id is not None else dict(detail)
    advisors.record_audit(
        conn, center_id=center_id, advisor_id=advisor_id, action=action, subject=subject, detail=full, now=now
    )
