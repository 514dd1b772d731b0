"""One detection pass: refresh the daily rollup, load it, evaluate every rule, save the results."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import structlog
from psycopg_pool import ConnectionPool

from core import forecasts
from detection import anomaly, quality
from detection.errors import DetectionError
from detection.judging import default_workers, judge
from detection.outlook import with_forecast
from detection.repository import (
    Arrivals,
    SaveCounts,
    VehicleShard,
    load_frame,
    load_watermark,
    received_since,
    refresh_daily,
    save_quality,
    save_result,
    save_watermark,
)
from detection.rule import ConfiguredRule
from detection.rules import RULES
from domain.forecast import MAX_HORIZON_DAYS

# Rows are stamped received_at = now() at their transaction's start, so an ingest transaction still open when a pass
# reads the watermark can commit rows older than it: re-read this much before the watermark.
WATERMARK_MARGIN = timedelta(minutes=5)


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
    # "all": every vehicle in the window was evaluated; "changed": only those with telemetry received since the
    # previous pass (the first pass ever, with no watermark, evaluates all).
    scope: str = "all"
    # Milliseconds per phase: refresh, load, guard, anomaly, rules (evaluation), save (risk and quality upserts).
    phases_ms: Mapping[str, float] = field(default_factory=dict)
    # Processes the rules ran in (1 = this process alone); on a sharded pass, the workers that finished its shards.
    workers: int = 1
    # A sharded pass (detection/sharded.py): how many shards, and how many claims beyond one per shard (takeovers).
    shards: int = 1
    takeovers: int = 0


class ShardLost(DetectionError):
    """A sharded pass's worker no longer holds its shard (its lease lapsed and another worker took it)."""


def _refresh(pool: ConnectionPool, *, start: datetime, end: datetime) -> str:
    with pool.connection() as conn:
        conn.autocommit = True
        try:
            return refresh_daily(conn, start=start, end=end)
        finally:
            if not conn.closed:
                conn.autocommit = False


def _refresh_window(
    pool: ConnectionPool, *, now: datetime, lookback_days: int, refresh_days: int
) -> tuple[datetime, Arrivals, bool]:
    """Return where this pass's rollup refresh starts: the last `refresh_days`, reaching back to the oldest event
    time received since the watermark (late, store-and-forward data), never before now - lookback; what arrived;
    and whether this is the first pass (no watermark yet)."""
    floor = now - timedelta(days=lookback_days)
    with pool.connection() as conn:
        mark = load_watermark(conn)
        since = None if mark is None else mark - WATERMARK_MARGIN
        arrivals = received_since(conn, since=since, floor=floor)
    start = now - timedelta(days=refresh_days)
    if arrivals.oldest_ts is not None:
        start = min(start, max(arrivals.oldest_ts, floor))
    return start, arrivals, mark is None


class Phases:
    """Wall time per phase of a pass, in milliseconds."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._at = time.monotonic()

    def lap(self, name: str) -> None:
        at = time.monotonic()
        self.ms[name] = round(self.ms.get(name, 0.0) + (at - self._at) * 1000, 1)
        self._at = at


def _anomalies(frame: pd.DataFrame, *, now: datetime, scope: str, log: Any) -> tuple[pd.DataFrame, list[str]]:
    """Return the fleet's anomaly scores (none on an incremental pass: they are fleet-relative) and, if scoring
    failed, ["anomaly"] for the pass's failed list (the rules still run, without the evidence)."""
    if scope != "all":
        return pd.DataFrame(columns=list(anomaly.SCORE_COLUMNS)), []
    try:
        return anomaly.score(frame, now=now), []
    except Exception:
        log.exception("detection.anomaly_failed")
        return pd.DataFrame(columns=list(anomaly.SCORE_COLUMNS)), ["anomaly"]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A pass's rollup refresh done: from where, on which storage, what arrived since the watermark, and the scope
    ("all", or "changed": only the vehicles that sent telemetry since)."""

    refreshed_from: datetime
    mode: str
    arrivals: Arrivals
    scope: str


def prepare(
    pool: ConnectionPool, *, now: datetime, lookback_days: int, refresh_days: int, only_changed: bool
) -> Prepared:
    """Refresh the daily rollup for the pass at `now` and decide what it judges (the first pass ever judges all)."""
    refreshed_from, arrivals, first = _refresh_window(
        pool, now=now, lookback_days=lookback_days, refresh_days=refresh_days
    )
    # Up to now + 1 day: a car whose clock runs ahead, or a rollup bucket still filling, is included.
    mode = _refresh(pool, start=refreshed_from, end=now + timedelta(days=1))
    scope = "changed" if only_changed and not first else "all"
    return Prepared(refreshed_from=refreshed_from, mode=mode, arrivals=arrivals, scope=scope)


@dataclass(frozen=True, slots=True)
class Judged:
    """What judging some vehicles did: rollup rows and vehicles read, per kind counts, failed rules, quality issues
    recorded and the processes the rules ran in."""

    rows: int
    vehicles: int
    kinds: dict[str, KindCounts]
    failed_rules: tuple[str, ...]
    quality_issues: int
    workers: int


def judge_vehicles(
    pool: ConnectionPool,
    *,
    now: datetime,
    rules: Sequence[ConfiguredRule],
    lookback_days: int,
    scope: str,
    vehicle_ids: Iterable[int] | None,
    workers: int,
    phases: Phases,
    log: Any,
    shard: VehicleShard | None = None,
    holding: Callable[[], bool] | None = None,
) -> Judged:
    """Load the rollup of `vehicle_ids` (None: every vehicle), of those only the `shard`'s when given, guard it,
    score anomalies (scope "all" only), judge every rule and save quality issues and risks; return the counts.

    Saving is idempotent (one open risk per vehicle and kind, resolved only among the vehicles judged), so judging
    the same vehicles twice at the same `now` changes nothing the second time. `holding`, when given, is asked
    before each save: False (a sharded pass's lease was taken over) raises ``ShardLost``."""

    def still_held() -> None:
        if holding is not None and not holding():
            raise ShardLost("the shard's lease was taken over")

    with pool.connection() as conn:
        frame = load_frame(
            conn, start=now - timedelta(days=lookback_days), now=now, vehicle_ids=vehicle_ids, shard=shard
        )
        # the weather forecasts issued for the rows' days (core.forecasts; none stored: the rules read the cars
        # alone): the whole window, as the seasonal rules verify the past forecasts against the cars
        # (detection.outlook.verification)
        issued = forecasts.load(conn, start=(now - timedelta(days=lookback_days)).date(),
                                end=now.date() + timedelta(days=1), horizon_days=MAX_HORIZON_DAYS)  # fmt: skip
        frame = with_forecast(frame, issued)
        phases.lap("load")
        # Implausible readings are recorded and blanked before any rule sees them.
        frame, issues = quality.guard(frame, now=now)
        phases.lap("guard")
        scores, failed = _anomalies(frame, now=now, scope=scope, log=log)
        if not scores.empty:
            issues = pd.concat([issues, anomaly.review_issues(scores, now=now)], ignore_index=True)
        phases.lap("anomaly")
        still_held()
        flagged = save_quality(conn, issues=issues, now=now)
        phases.lap("save")
    outcomes, used = judge(frame, now=now, rules=rules, workers=workers, log=log)
    phases.lap("rules")
    kinds: dict[str, KindCounts] = {}
    for (module, _), outcome in zip(rules, outcomes, strict=True):
        if isinstance(outcome, str):  # the rule raised, here or in a child: the traceback's text
            log.error("detection.rule_failed", rule_id=module.RULE_ID, rule_version=module.RULE_VERSION,
                      exception=outcome)  # fmt: skip
            failed.append(module.RULE_ID)
            continue
        still_held()
        try:
            judged = anomaly.annotate(outcome, scores)
            with pool.connection() as conn:
                saved: SaveCounts = save_result(conn, result=judged, now=now)
        except Exception:
            log.exception("detection.rule_failed", rule_id=module.RULE_ID, rule_version=module.RULE_VERSION)
            failed.append(module.RULE_ID)
            continue
        finally:
            phases.lap("save")
        kinds[str(judged.kind)] = KindCounts(
            evaluated=len(judged.evaluated_vehicle_ids), flagged=len(judged.flags),
            opened=saved.opened, updated=saved.updated, resolved=saved.resolved,
        )  # fmt: skip
    return Judged(
        rows=len(frame), vehicles=int(frame["vehicle_id"].nunique()), kinds=kinds, failed_rules=tuple(failed),
        quality_issues=flagged, workers=used,
    )  # fmt: skip


def run_pass(
    pool: ConnectionPool,
    *,
    now: datetime,
    rules: Sequence[ConfiguredRule] = RULES,
    lookback_days: int = 365,
    refresh_days: int = 3,
    only_changed: bool = False,
    workers: int | None = None,
    log: Any = None,
) -> PassReport:
    """Run every rule once at `now` and return the counts; a failing rule is logged and skipped.

    With `only_changed`, only vehicles with telemetry received since the previous pass are loaded and judged; the
    open risks of the others stay as they are (the scheduler runs a full pass periodically for what changes with
    time alone: a car going silent, a predicted date coming closer). `workers` processes judge the rules (None:
    ``default_workers()``; see ``judge``)."""
    log = log or structlog.get_logger(process="detection")
    started = time.monotonic()
    phases = Phases()
    prepared = prepare(
        pool, now=now, lookback_days=lookback_days, refresh_days=refresh_days, only_changed=only_changed
    )
    phases.lap("refresh")
    arrivals, scope = prepared.arrivals, prepared.scope
    judged = judge_vehicles(
        pool, now=now, rules=rules, lookback_days=lookback_days, scope=scope,
        vehicle_ids=arrivals.vehicle_ids if scope == "changed" else None, workers=workers or default_workers(),
        phases=phases, log=log,
    )  # fmt: skip
    # Advanced only once the pass has judged what arrived: a pass that dies half-way leaves the data "new" for the
    # next one (which then also re-evaluates those vehicles).
    if arrivals.newest_received is not None:
        with pool.connection() as conn:
            save_watermark(conn, received_at=arrivals.newest_received)
    report = PassReport(
        now=now, storage_mode=prepared.mode, refreshed_from=prepared.refreshed_from, rows=judged.rows,
        vehicles=judged.vehicles, kinds=judged.kinds, failed_rules=judged.failed_rules,
        duration_ms=round((time.monotonic() - started) * 1000, 1), scope=scope, phases_ms=dict(phases.ms),
        workers=judged.workers,
    )  # fmt: skip
    log.info(
        "detection.pass", now=now.isoformat(), mode=prepared.mode, scope=scope, refresh_days=refresh_days,
        refreshed_from=prepared.refreshed_from.isoformat(), rows=report.rows, vehicles=report.vehicles,
        changed_vehicles=len(arrivals.vehicle_ids), quality_issues=judged.quality_issues,
        rule_errors=len(report.failed_rules), failed_rules=",".join(report.failed_rules) or "-",
        duration_ms=report.duration_ms, workers=report.workers,
        **{f"{name}_ms": ms for name, ms in phases.ms.items()},
        **{name: asdict(counts) for name, counts in report.kinds.items()},
    )  # fmt: skip
    return report
