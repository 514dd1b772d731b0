"""Progress messages of a workshop visit (docs/messages.md): when the center checks the car in, when the work is
finished (ready for pickup) and when telemetry confirms the fix (done), the owner is told once each, in their
language, through the outbox (their consented channels, quiet hours; the frequency cap does not hold them back).

Stages come from care_case (core/cases.py): checked_in_at, the visit's outcome (serviced, or closed with no fault
found) and verified_at; and each move of the booked visit by the center (the offer.rescheduled event,
core/events.py) while the car is not yet in. The message purpose (progress_checked_in, progress_ready,
progress_done, progress_rescheduled:<event id>) is the idempotency key: care_message is unique per risk and purpose, so a step is announced once however often the pass
runs. Only steps of the last `max_age` are announced: a deployment does not message old visits."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import psycopg
import structlog
from psycopg.rows import dict_row

from core.db import query
from domain.vocabulary import Outcome
from notify.compose import Recipient, compose_progress
from notify.policy import PROGRESS_PREFIX, CadencePolicy, send_after
from notify.sql import INSERT_MESSAGE, PROGRESS_DUE


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """What one run did: progress messages queued."""

    queued: int
    elapsed_ms: int


def run_progress(
    conn: psycopg.Connection,
    *,
    now: datetime,
    log: structlog.stdlib.BoundLogger,
    cadence: CadencePolicy | None = None,
    max_age: timedelta = timedelta(days=2),
    limit: int = 500,
) -> ProgressReport:
    """Queue a progress message for every recent workshop step not yet announced; return the count."""
    started = time.monotonic()
    cadence = cadence or CadencePolicy()
    with conn.cursor(row_factory=dict_row) as cur:
        steps = cur.execute(
            query(PROGRESS_DUE), {"since": now - max_age, "now": now, "limit": limit}
        ).fetchall()
    queued = 0
    for step in steps:
        stage = step["purpose"].removeprefix(PROGRESS_PREFIX).split(":")[0]  # rescheduled:<event id>
        recipient = Recipient(step["name"], step["locale"], step["tz"], step["segment"])
        message = compose_progress(
            stage,
            recipient=recipient,
            model=step["model"],
            vin=step["vin"],
            center=step["center_name"],
            no_fault=step["outcome"] == Outcome.NO_FAULT_FOUND,
            slot=(step["slot_start"], step["slot_end"]) if step["slot_start"] is not None else None,
        )
        owner_cadence = cadence
        if step["quiet_start"] is not None and step["quiet_end"] is not None:
            owner_cadence = replace(cadence, quiet_start=step["quiet_start"], quiet_end=step["quiet_end"])
        at = send_after(
            step["purpose"], now=now, tz=step["tz"], last_sent_at=step["last_sent_at"], policy=owner_cadence
        )
        params = {
            "risk_id": step["risk_id"],
            "vehicle_id": step["vehicle_id"],
            "customer_id": step["customer_id"],
            "purpose": step["purpose"],
            "locale": message.locale,
            "channel": "in_app",
            "subject": message.subject,
            "body": message.body,
            "send_after": at,
            "severity": None,
            "now": now,
        }
        queued += conn.execute(query(INSERT_MESSAGE), params).rowcount
    report = ProgressReport(queued, int((time.monotonic() - started) * 1000))
    log.info(
        "notify.progress", now=now.isoformat(), steps=len(steps), queued=queued, elapsed_ms=report.elapsed_ms
    )
    return report
