"""Detection beyond one process: a pass cut into shards of the fleet, worked by every `carecast detect` process.

The leader (detection/schedule.py, under the leader lock) refreshes the rollup once and plans the pass
(``plan_sharded``), then waits for its shards (``finish_sharded``). Every process, the leader's too, runs
``ShardWorker``: it claims a shard (detection/shards.py), heartbeats its lease on a thread, loads only that shard's
vehicles and judges them like a whole pass would (``detection.job.judge_vehicles``), then marks it done. A worker
killed mid-shard stops heartbeating; once its lease lapses another worker claims the shard and judges it from
scratch, which saving makes harmless (one open risk per vehicle and kind; resolving only among the vehicles judged).

Per shard: the load, the quality guard, the rules and the saves. Global: the rollup refresh, the watermark (advanced
in the transaction that marks the pass done, only once every shard is done). Fleet-relative anomaly scores are per
shard: vehicle id modulo N is a sample of the whole fleet, so each shard's medians and spreads estimate the fleet's
(the scores only add evidence and review issues; no rule's decision reads them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from detection import shards as db
from detection.errors import DetectionError
from detection.job import KindCounts, PassReport, Phases, ShardLost, judge_vehicles, prepare
from detection.repository import save_watermark
from detection.rule import ConfiguredRule


class PassFailed(DetectionError):
    """A sharded pass was given up: one of its shards failed `shards.MAX_ATTEMPTS` times."""


def plan_sharded(
    pool: ConnectionPool,
    *,
    now: datetime,
    shards: int,
    lookback_days: int,
    refresh_days: int,
    only_changed: bool,
    leader: str,
    log: Any,
) -> db.ShardedPass:
    """Return the running pass to adopt (a previous leader's, left unfinished), or refresh the rollup and plan a new
    one of `shards` shards at `now`."""
    with pool.connection() as conn:
        running = db.running_pass(conn)
    if running is not None:
        log.info("detection.pass_adopted", pass_id=running.id, pass_at=running.pass_at.isoformat(),
                 planned_by=running.leader)  # fmt: skip
        return running
    prepared = prepare(
        pool, now=now, lookback_days=lookback_days, refresh_days=refresh_days, only_changed=only_changed
    )
    with pool.connection() as conn:
        return db.plan_pass(
            conn, pass_at=now, shards=shards, lookback_days=lookback_days, scope=prepared.scope,
            vehicle_ids=prepared.arrivals.vehicle_ids if prepared.scope == "changed" else None,
            newest_received=prepared.arrivals.newest_received, refreshed_from=prepared.refreshed_from,
            storage_mode=prepared.mode, leader=leader,
        )  # fmt: skip


def finish_sharded(
    pool: ConnectionPool,
    planned: db.ShardedPass,
    *,
    poll_s: float,
    stopping: Callable[[], bool],
    started: float,
    refresh_ms: float,
    log: Any,
) -> PassReport | None:
    """Wait until every shard of `planned` is done, then end the pass and advance the watermark (one transaction);
    return the pass's report, or None when `stopping()` turned true first (the next leader adopts the pass). Raise
    ``PassFailed`` when a shard was given up."""
    while True:
        with pool.connection() as conn:
            got = db.progress(conn, pass_id=planned.id)
            if got.given_up:
                db.finish_pass(conn, pass_id=planned.id, state="failed")
                conn.commit()
                raise PassFailed(f"pass {planned.id}: {got.given_up} shard(s) failed {db.MAX_ATTEMPTS} times")
            if got.done == got.shards:
                with conn.transaction():
                    ended = db.finish_pass(conn, pass_id=planned.id, state="done")
                    if ended and planned.newest_received is not None:
                        save_watermark(conn, received_at=planned.newest_received)
                results = db.shard_results(conn, pass_id=planned.id)
                break
        if stopping():
            return None
        time.sleep(poll_s)
    report = _report(planned, results, started=started, refresh_ms=refresh_ms)
    log.info(
        "detection.pass", now=planned.pass_at.isoformat(), pass_id=planned.id, mode=planned.storage_mode,
        scope=planned.scope, refreshed_from=planned.refreshed_from.isoformat(), rows=report.rows,
        vehicles=report.vehicles, shards=report.shards, takeovers=report.takeovers,
        rule_errors=len(report.failed_rules), failed_rules=",".join(report.failed_rules) or "-",
        duration_ms=report.duration_ms, workers=report.workers, ended_here=ended,
        **{f"{name}_ms": ms for name, ms in report.phases_ms.items()},
        **{name: asdict(counts) for name, counts in report.kinds.items()},
    )  # fmt: skip
    return report


def _report(
    planned: db.ShardedPass, results: Sequence[db.ShardResult], *, started: float, refresh_ms: float
) -> PassReport:
    """Return the pass's report: its shards' counts summed (phases summed over the shards, the refresh the leader's)."""
    kinds: dict[str, KindCounts] = {}
    phases: dict[str, float] = {"refresh": refresh_ms}
    rows = vehicles = 0
    failed: set[str] = set()
    for r in results:
        counts = r.counts or {}
        rows, vehicles = rows + int(counts.get("rows", 0)), vehicles + int(counts.get("vehicles", 0))
        failed.update(counts.get("failed_rules", []))
        for name, ms in counts.get("phases_ms", {}).items():
            phases[name] = round(phases.get(name, 0.0) + float(ms), 1)
        for kind, c in counts.get("kinds", {}).items():
            have = asdict(kinds.get(kind, KindCounts()))
            kinds[kind] = KindCounts(**{k: have[k] + int(c.get(k, 0)) for k in have})
    return PassReport(
        now=planned.pass_at, storage_mode=planned.storage_mode, refreshed_from=planned.refreshed_from, rows=rows,
        vehicles=vehicles, kinds=kinds, failed_rules=tuple(sorted(failed)),
        duration_ms=round((time.monotonic() - started) * 1000, 1), scope=planned.scope, phases_ms=phases,
        workers=len({r.holder for r in results}), shards=planned.shards,
        takeovers=sum(max(0, r.attempts - 1) for r in results),
    )  # fmt: skip


class _Heartbeat:
    """Extends a claim's lease every third of it on a thread; `held()` turns false once the shard was taken over."""

    def __init__(
        self, pool: ConnectionPool, claim: db.Claim, *, holder: str, lease_s: float, log: Any
    ) -> None:
        self._pool, self._claim, self._holder, self._lease_s, self._log = pool, claim, holder, lease_s, log
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name="detection-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._lease_s / 3):
            try:
                with self._pool.connection() as conn:
                    ok = db.heartbeat(conn, claim=self._claim, holder=self._holder, lease_s=self._lease_s)
            except psycopg.Error as exc:  # the database is away: keep trying; the lease may lapse meanwhile
                self._log.warning("detection.heartbeat_failed", shard=self._claim.shard, error=str(exc))
                continue
            if not ok:
                self._lost.set()
                return

    def held(self) -> bool:
        """Return whether the shard is still ours (as of the last heartbeat)."""
        return not self._lost.is_set()

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class ShardWorker:
    """Works shards of the running pass, one at a time, until stopped (run on its own thread in every process)."""

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        holder: str,
        rules: Sequence[ConfiguredRule],
        workers: int,
        lease_s: float,
        poll_s: float,
        log: Any,
    ) -> None:
        self.pool, self.holder, self.rules, self.workers = pool, holder, rules, workers
        self.lease_s, self.poll_s, self.log = lease_s, poll_s, log
        # Set by the leader once it planned a pass, so its own worker starts at once instead of at the next poll.
        self.wake = threading.Event()

    def run(self, stopping: Callable[[], bool]) -> None:
        """Claim and work shards until `stopping()`; a failure is logged and the loop goes on (per-shard boundary)."""
        while not stopping():
            try:
                worked = self.work_one()
            except Exception:  # e.g. the database is down: logged, and the next poll tries again
                self.log.exception("detection.shard_failed", holder=self.holder)
                worked = False
            if not worked:
                self.wake.wait(self.poll_s)
                self.wake.clear()

    def work_one(self) -> bool:
        """Claim one shard and judge it; return False when there was none to claim."""
        with self.pool.connection() as conn:
            claim = db.claim(conn, holder=self.holder, lease_s=self.lease_s)
        if claim is None:
            return False
        log = self.log.bind(pass_id=claim.pass_.id, shard=claim.shard, shards=claim.pass_.shards)
        log.info("detection.shard_claimed", attempts=claim.attempts, holder=self.holder)
        started, phases = time.monotonic(), Phases()
        try:
            with _Heartbeat(self.pool, claim, holder=self.holder, lease_s=self.lease_s, log=log) as beat:
                judged = judge_vehicles(
                    self.pool, now=claim.pass_.pass_at, rules=self.rules, lookback_days=claim.pass_.lookback_days,
                    scope=claim.pass_.scope, vehicle_ids=claim.pass_.vehicle_ids, workers=self.workers,
                    phases=phases, log=log, shard=claim.vehicles, holding=beat.held,
                )  # fmt: skip
        except ShardLost:
            log.warning("detection.shard_lost", holder=self.holder)
            return True
        except Exception:
            with self.pool.connection() as conn:
                db.release_shard(conn, claim=claim, holder=self.holder)
            raise
        seconds = round(time.monotonic() - started, 3)
        counts = {
            "rows": judged.rows, "vehicles": judged.vehicles, "kinds": {k: asdict(c) for k, c in judged.kinds.items()},
            "failed_rules": list(judged.failed_rules), "quality_issues": judged.quality_issues,
            "workers": judged.workers, "phases_ms": dict(phases.ms), "seconds": seconds,
        }  # fmt: skip
        with self.pool.connection() as conn:
            done = db.finish_shard(conn, claim=claim, holder=self.holder, counts=counts)
        log.info(
            "detection.shard", holder=self.holder, attempts=claim.attempts, done=done, rows=judged.rows,
            vehicles=judged.vehicles, rule_errors=len(judged.failed_rules), seconds=seconds,
            **{f"{name}_ms": ms for name, ms in phases.ms.items()},
        )  # fmt: skip
        return True
