"""Detection I/O: refresh the daily rollup, load it as a frame, and keep the risk table in step with rule results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from core.contracts import RiskKind
from core.db import StorageMode, query, storage_info
from detection.errors import DetectionError
from detection.flags import RiskFlag, RuleResult
from detection.frame import FRAME_COLUMNS, NUMERIC_COLUMNS, empty_frame


@dataclass(frozen=True, slots=True)
class SaveCounts:
    """What saving one rule's result changed in the risk table."""

    opened: int = 0
    updated: int = 0
    resolved: int = 0


def refresh_daily(conn: psycopg.Connection, *, start: datetime, end: datetime) -> StorageMode:
    """Recompute ``telemetry_daily`` for [start, end) with the storage mode's refresh SQL; return the mode."""
    # TimescaleDB's refresh_continuous_aggregate runs its own transactions and refuses a transaction block.
    if not conn.autocommit:
        raise DetectionError("refresh_daily needs an autocommit connection")
    mode = storage_info(conn).mode
    conn.execute(query("core", f"refresh_daily.{mode}"), {"start": start, "end": end})
    return mode


def load_frame(conn: psycopg.Connection, *, start: datetime, now: datetime) -> pd.DataFrame:
    """Return the daily rollup rows with start < day <= now, joined with powertrain and region (see frame.py)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(query("detection", "load_daily"), {"start": start, "now": now})
        rows = cur.fetchall()
        columns = [c.name for c in cur.description or ()]
    if not rows:
        return empty_frame()
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame["vehicle_id"] = frame["vehicle_id"].astype("int64")
    frame["day"] = pd.to_datetime(frame["day"], utc=True).dt.tz_localize(None).astype("datetime64[ns]")
    for column in NUMERIC_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame[list(FRAME_COLUMNS)]


def _params(flag: RiskFlag, now: datetime) -> dict:
    return {
        "vehicle_id": flag.vehicle_id, "kind": str(flag.kind), "rule_id": flag.rule_id,
        "rule_version": flag.rule_version, "severity": str(flag.severity), "confidence": flag.confidence,
        "predicted_date": flag.predicted_date, "predicted_low": flag.predicted_low,
        "predicted_high": flag.predicted_high, "diagnosis": flag.diagnosis, "evidence": Jsonb(dict(flag.evidence)),
        "now": now,
    }  # fmt: skip


def save_result(conn: psycopg.Connection, *, result: RuleResult, now: datetime) -> SaveCounts:
    """Upsert one open risk per flagged vehicle and resolve the open risks of vehicles the rule cleared."""
    opened = updated = 0
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        for flag in result.flags:
            cur.execute(query("detection", "upsert_risk"), _params(flag, now))
            row = cur.fetchone()
            if row is None:
                raise DetectionError(f"risk upsert returned no row for vehicle {flag.vehicle_id}")
            inserted = bool(row[1])
            opened, updated = opened + inserted, updated + (not inserted)
        resolved = _resolve(cur, kind=result.kind, vehicle_ids=result.cleared_vehicle_ids, now=now)
    return SaveCounts(opened=opened, updated=updated, resolved=resolved)


def _resolve(cur: psycopg.Cursor, *, kind: RiskKind, vehicle_ids: Iterable[int], now: datetime) -> int:
    ids = sorted(vehicle_ids)
    if not ids:
        return 0
    cur.execute(query("detection", "resolve_risks"), {"kind": str(kind), "vehicle_ids": ids, "now": now})
    return len(cur.fetchall())


def save_quality(conn: psycopg.Connection, *, issues: pd.DataFrame, now: datetime) -> int:
    """Record the data-quality issues the guard found (one row per vehicle, day and issue); return how many."""
    params = [
        {"vehicle_id": int(r.vehicle_id), "day": pd.Timestamp(r.day).date(), "issue": r.issue,
         "detail": Jsonb(dict(r.detail)), "now": now}
        for r in issues.itertuples(index=False)
    ]  # fmt: skip
    if params:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(query("detection", "upsert_quality_flag"), params)
    return len(params)
