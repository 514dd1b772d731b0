"""Retention of what accumulates (docs/privacy.md): raw telemetry, the owners' outbox (messages, dispatches,
deliveries, attempts, in-app items) and remembered API answers (idempotency_record), on both storage engines.
One run deletes everything past its age, a slice per committed transaction, and logs one line with the counts;
detection's leader runs it on an interval (detection/schedule.py), so one process does it however many detection
processes wait.

Not here: the daily rollups (the anonymous statistics are kept), and ``ingest_reject``, which ingest owns and
prunes itself (ingest/retention.py, CARECAST_INGEST__REJECT_RETENTION_DAYS)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from core.db import SqlFile, query, storage_info
from core.settings import RetentionSettings
from core.sql import (
    RETENTION_EVENTS,
    RETENTION_IDEMPOTENCY,
    RETENTION_MESSAGES,
    RETENTION_POLICY_TIMESCALE,
    RETENTION_TELEMETRY_POSTGRES,
    RETENTION_TELEMETRY_TIMESCALE,
    RETENTION_UNSENT,
)

# Rows (telemetry) or dispatches (outbox) per DELETE: short transactions that never hold the locks ingest and
# notify wait for for long.
SLICE = 5000


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one run deleted: telemetry rows (plain PostgreSQL) or chunks (TimescaleDB), and the outbox per table."""

    mode: str
    telemetry_rows: int
    telemetry_chunks: int
    policy_changed: bool
    dispatches: int
    deliveries: int
    attempts: int
    inbox_items: int
    messages: int
    idempotency_records: int
    events: int
    elapsed_ms: int


def apply_retention(
    conn: psycopg.Connection, *, settings: RetentionSettings, now: datetime, log: Any, slice_rows: int = SLICE
) -> RetentionReport:
    """Delete what is past its retention at `now` on an autocommit connection; log one line and return counts."""
    if not conn.autocommit:
        raise ValueError("apply_retention needs an autocommit connection: it commits one slice at a time")
    started = time.monotonic()
    mode = storage_info(conn).mode
    telemetry_cutoff = now - timedelta(days=settings.telemetry_days)
    rows = chunks = 0
    changed = False
    with conn.cursor(row_factory=tuple_row) as cur:
        if mode == "timescale":
            drop_after = f"{settings.telemetry_days} days"
            changed = bool(
                cur.execute(query(RETENTION_POLICY_TIMESCALE), {"drop_after": drop_after}).rowcount
            )
            chunks = _first(cur.execute(query(RETENTION_TELEMETRY_TIMESCALE), {"cutoff": telemetry_cutoff}))
        else:
            rows = _slices(cur, RETENTION_TELEMETRY_POSTGRES, cutoff=telemetry_cutoff, limit=slice_rows)
        outbox = [0, 0, 0, 0, 0]
        if settings.messages_days:
            cutoff = now - timedelta(days=settings.messages_days)
            while True:
                slice_counts = cur.execute(
                    query(RETENTION_MESSAGES), {"cutoff": cutoff, "limit": slice_rows}
                ).fetchone() or (0, 0, 0, 0, 0)
                outbox = [a + int(b) for a, b in zip(outbox, slice_counts, strict=True)]
                if slice_counts[0] < slice_rows:
                    break
            outbox[4] += _slices(cur, RETENTION_UNSENT, cutoff=cutoff, limit=slice_rows)
        replays = 0
        if settings.idempotency_days:
            cutoff = now - timedelta(days=settings.idempotency_days)
            replays = _slices(cur, RETENTION_IDEMPOTENCY, cutoff=cutoff, limit=slice_rows)
        events = 0
        if settings.events_days:
            cutoff = now - timedelta(days=settings.events_days)
            events = _slices(cur, RETENTION_EVENTS, cutoff=cutoff, limit=slice_rows)
    dispatches, deliveries, attempts, inbox_items, messages = outbox
    report = RetentionReport(
        mode=mode,
        telemetry_rows=rows,
        telemetry_chunks=chunks,
        policy_changed=changed,
        dispatches=dispatches,
        deliveries=deliveries,
        attempts=attempts,
        inbox_items=inbox_items,
        messages=messages,
        idempotency_records=replays,
        events=events,
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )
    log.info(
        "retention.run",
        mode=mode,
        telemetry_days=settings.telemetry_days,
        messages_days=settings.messages_days,
        telemetry_rows=rows,
        telemetry_chunks=chunks,
        policy_changed=changed,
        dispatches=report.dispatches,
        deliveries=report.deliveries,
        attempts=report.attempts,
        inbox_items=report.inbox_items,
        messages=report.messages,
        idempotency_records=replays,
        events=events,
        elapsed_ms=report.elapsed_ms,
    )
    return report


def _first(cur: psycopg.Cursor[Any]) -> int:
    row = cur.fetchone()
    return 0 if row is None else int(row[0])


def _slices(cur: psycopg.Cursor[Any], name: SqlFile, *, cutoff: datetime, limit: int) -> int:
    """Run a slice DELETE until it comes back short; return the rows deleted."""
    deleted = 0
    while True:
        n = cur.execute(query(name), {"cutoff": cutoff, "limit": limit}).rowcount
        deleted += n
        if n < limit:
            return deleted
