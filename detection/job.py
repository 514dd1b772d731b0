"""One detection pass: refresh the daily rollup, load it, evaluate every rule, save the results."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import structlog
from psycopg_pool import ConnectionPool

from detection import quality
from detection.repository import SaveCounts, load_frame, refresh_daily, save_quality, save_result
from detection.rules import RULES


@dataclass(frozen=True, slots=True)
class KindCounts:
    """Per risk kind: vehicles judged, flags raised, and what changed in the risk table."""

    evaluated: int = 0
    flagged: int = 0
    opened: int = 0
    updated: int = 0
    resolved: int = 0


@dataclass(frozen=True, slots=True)
class PassReport:
    """What one detection pass saw and did."""

    now: datetime
    storage_mode: str
    refreshed_from: datetime
    rows: int
    vehicles: int
    kinds: Mapping[str, KindCounts] = field(default_factory=dict)
    failed_rules: tuple[str, ...] = ()
    duration_ms: float = 0.0


def _refresh(pool: ConnectionPool, *, start: datetime, end: datetime) -> str:
    with pool.connection() as conn:
        conn.autocommit = True
        try:
            return refresh_daily(conn, start=start, end=end)
        finally:
            if not conn.closed:
                conn.autocommit = False


def run_pass(
    pool: ConnectionPool,
    *,
    now: datetime,
    rules: Sequence[tuple[ModuleType, Any]] = RULES,
    lookback_days: int = 365,
    refresh_days: int = 3,
    log: Any = None,
) -> PassReport:
    """Run every rule once at `now` and return the counts; a failing rule is logged and skipped."""
    log = log or structlog.get_logger(process="detection")
    started = time.monotonic()
    # Up to now + 1 day: a car whose clock runs ahead, or a rollup bucket still filling, is included.
    refreshed_from = now - timedelta(days=refresh_days)
    mode = _refresh(pool, start=refreshed_from, end=now + timedelta(days=1))
    with pool.connection() as conn:
        frame = load_frame(conn, start=now - timedelta(days=lookback_days), now=now)
        # Implausible readings are recorded and blanked before any rule sees them.
        frame, issues = quality.guard(frame, now=now)
        flagged = save_quality(conn, issues=issues, now=now)
    kinds: dict[str, KindCounts] = {}
    failed: list[str] = []
    for module, params in rules:
        try:
            result = module.evaluate(frame, now=now, params=params)
            with pool.connection() as conn:
                saved: SaveCounts = save_result(conn, result=result, now=now)
        except Exception:
            log.exception("detection.rule_failed", rule_id=module.RULE_ID, rule_version=module.RULE_VERSION)
            failed.append(module.RULE_ID)
            continue
        kinds[str(result.kind)] = KindCounts(
            evaluated=len(result.evaluated_vehicle_ids), flagged=len(result.flags),
            opened=saved.opened, updated=saved.updated, resolved=saved.resolved,
        )  # fmt: skip
    report = PassReport(
        now=now, storage_mode=mode, refreshed_from=refreshed_from, rows=len(frame),
        vehicles=frame["vehicle_id"].nunique(), kinds=kinds, failed_rules=tuple(failed),
        duration_ms=round((time.monotonic() - started) * 1000, 1),
    )  # fmt: skip
    log.info(
        "detection.pass", now=now.isoformat(), mode=mode, refresh_days=refresh_days, rows=report.rows,
        vehicles=report.vehicles, quality_issues=flagged, rule_errors=len(failed), failed_rules=",".join(failed) or "-",
        duration_ms=report.duration_ms,
        **{name: asdict(counts) for name, counts in kinds.items()},
    )  # fmt: skip
    return report
