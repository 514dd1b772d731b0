"""Scale of one detection pass: a full pass over the fleet, and incremental passes over the vehicles that changed.

Backfills the lifecycle fleet (``simulators.backfill``, direct COPY) into a throwaway database, then runs
``detection.job.run_pass`` as the scheduler does: the first pass (no watermark: whole rollup window, every vehicle),
a steady-state full pass (rollup of the last days, every vehicle), and incremental passes after a new day of
telemetry arrived for ~1 % and ~10 % of the vehicles (only those are loaded and judged), each followed by a full
pass over the same data for the ratio. The baseline, measured in the same run, is the SQL load of the whole rollup
alone (``load_frame``). Prints per pass its wall and CPU seconds (this process and its forked rule workers; the
database server's CPU is not included), the wall time per phase, memory (this process's peak RSS; the process tree's
peak PSS, sampled, and an RSS upper bound) and one JSON line last.

    python -m bench.detection                      # 10,000 vehicles x 90 days
    python -m bench.detection --quick              # 200 vehicles x 30 days (for tests)
    python -m bench.detection --shards 2 --kill-one  # the pass over 2 `carecast detect` processes, one killed

With ``--shards N`` the single-process passes are not run; instead the same full pass runs as separate
``python -m detection`` processes: one alone, then N sharing the pass's shards (and with ``--kill-one`` N again, one
SIGKILLed mid-shard): bench/detection_shards.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import psycopg
import structlog
from psycopg import conninfo, sql
from psycopg.rows import tuple_row

from bench.detection_shards import measure_sharded, print_sharded
from bench.procfs import process_tree, pss_kib
from core.db import make_pool, scalar
from core.migrate import migrate
from core.settings import DatabaseSettings
from detection.job import PassReport, run_pass
from detection.judging import default_workers
from detection.repository import load_frame
from simulators.backfill import BackfillReport, backfill
from simulators.history import COLUMNS
from simulators.lifecycle import build_lifecycle

FIRST = date(2025, 9, 1)  # a fixed window (autumn into winter) so figures do not depend on the run date
LOOKBACK_DAYS = 365  # the production default: the pass reads whatever history there is
TARGET_FULL_S = 30.0
TARGET_RSS_MB = 1024.0

# A new day of telemetry for some vehicles: their last day's rows one day later, received now.
_NEXT_DAY = sql.SQL(
    "INSERT INTO telemetry (vehicle_id, ts, {cols}) SELECT vehicle_id, ts + INTERVAL '1 day', {cols} FROM telemetry"
    " WHERE vehicle_id = ANY(%(ids)s) AND ts > %(since)s AND ts <= %(until)s RETURNING vehicle_id"
).format(
    cols=sql.SQL(", ").join(
        sql.Identifier(c) for c, _ in COLUMNS if c not in ("vehicle_id", "ts", "received_at")
    )
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    p = argparse.ArgumentParser(prog="python -m bench.detection", description=__doc__.split("\n\n")[0])
    p.add_argument("--vehicles", type=int, default=10_000)
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--seed", type=int, default=303)
    p.add_argument("--quick", action="store_true", help="200 vehicles x 30 days (for tests)")
    p.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="processes judging the rules (detection.judging.judge)",
    )
    p.add_argument(
        "--reuse-db", metavar="NAME",
        help="measure on a database an earlier run backfilled (same --vehicles/--days/--seed; kept, not dropped):"
        " detection state and rows added after the window are reset first",
    )  # fmt: skip
    p.add_argument(
        "--admin-url", default=os.environ.get("CARECAST_TEST_ADMIN_URL"), help="server to create the DB on"
    )
    p.add_argument(
        "--shards", type=int, default=1,
        help="run the pass as this many `python -m detection` processes sharing its shards, against one process alone",
    )  # fmt: skip
    p.add_argument(
        "--kill-one", action="store_true", help="with --shards: also a run with one worker SIGKILLed"
    )
    p.add_argument(
        "--lease-s", type=float, default=None,
        help="CARECAST_DETECTION__SHARD_LEASE_S of the workers (default: the setting's 30 s; 2 s with --quick)",
    )  # fmt: skip
    args = p.parse_args(argv)
    if args.quick:
        args.vehicles, args.days = 200, 30
    if args.lease_s is None:
        args.lease_s = 2.0 if args.quick else 30.0
    if args.shards < 1 or (args.kill_one and args.shards < 2):
        p.error("--shards must be >= 1, and --kill-one needs --shards 2 or more")
    if not args.admin_url:
        p.error("--admin-url or CARECAST_TEST_ADMIN_URL is required (a throwaway database is created there)")
    return args


def peak_rss_mb() -> float:
    """Return this process's peak resident set size so far, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def tree_rss_bound_mb(workers: int) -> float:
    """Return an upper bound of the process tree's peak RSS, in MB: this process's peak plus, per rule worker beyond
    the first, the largest peak of any child (the kernel keeps only the largest). A forked child's RSS counts every
    page it still shares with this process, so this counts the shared frame twice: never an underestimate."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + max(0, workers - 1) * child) / 1024, 1)


class TreePss:
    """Peak proportional set size (PSS) of this process and its children, sampled on a thread every `interval_s`.

    PSS divides each page among the processes that share it, so the sum is the memory the tree really holds: the
    figure to hold against the RSS target once rule workers are forked (their RSS repeats the shared frame). A
    sample takes about 2 ms; peaks shorter than the interval can be missed, so the bound above is printed too."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-pss", daemon=True)
        self.available = os.path.exists("/proc/self/smaps_rollup")

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            total = sum(pss_kib(p) for p in process_tree(me))
            self.peak_kib = max(self.peak_kib, total)
            self._stop.wait(self.interval_s)

    def __enter__(self) -> TreePss:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()

    @property
    def peak_mb(self) -> float | None:
        """The peak so far in MB (None where /proc has no smaps_rollup)."""
        return round(self.peak_kib / 1024, 1) if self.available else None


def cpu_seconds() -> float:
    """Return the CPU time (user + system) of this process and its finished children so far."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _figures(report: PassReport, seconds: float, cpu: float, *, workers: int, tree: TreePss) -> dict:
    return {
        "scope": report.scope, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
        "vehicles": report.vehicles, "rows": report.rows, "workers": report.workers,
        "phases_ms": dict(report.phases_ms), "flagged": sum(k.flagged for k in report.kinds.values()),
        "failed_rules": list(report.failed_rules), "peak_rss_mb": peak_rss_mb(),
        "tree_rss_bound_mb": tree_rss_bound_mb(workers), "tree_pss_peak_mb": tree.peak_mb,
    }  # fmt: skip


def _timed_pass(pool, *, workers: int, tree: TreePss, **kwargs) -> dict:  # noqa: ANN001
    started, cpu = time.monotonic(), cpu_seconds()
    report = run_pass(pool, lookback_days=LOOKBACK_DAYS, workers=workers, log=_QUIET, **kwargs)
    return _figures(report, time.monotonic() - started, cpu_seconds() - cpu, workers=workers, tree=tree)


_QUIET = structlog.get_logger(process="bench.detection")


def add_next_day(conn: psycopg.Connection, *, ids: list[int], last: date) -> tuple[int, int]:
    """Insert a new day (`last` + 1) of telemetry for `ids`; return (rows, vehicles that got rows): a car that was
    silent on `last` gets none."""
    since = datetime.combine(last, datetime.min.time(), UTC)
    params = {"ids": ids, "since": since, "until": since + timedelta(days=1)}
    with conn.cursor(row_factory=tuple_row) as cur:
        got = [r[0] for r in cur.execute(_NEXT_DAY, params).fetchall()]
    return len(got), len(set(got))


_RESET = (
    "TRUNCATE risk CASCADE", "TRUNCATE data_quality_flag, detection_watermark, telemetry_daily, detection_pass CASCADE",
    "DELETE FROM telemetry WHERE ts >= %(after)s",
)  # fmt: skip


def measure(url: str, args: argparse.Namespace) -> dict:
    """Backfill (or reset a reused database), then time the passes (or with --shards, the pass over processes);
    return the figures."""
    last = FIRST + timedelta(days=args.days - 1)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, timescale="off")
        if args.reuse_db:
            for statement in _RESET:
                conn.execute(
                    statement, {"after": datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)}
                )
            rows = scalar(conn, "SELECT count(*) FROM telemetry")
            filled: SimpleNamespace | BackfillReport = SimpleNamespace(rows=rows, seconds=None)
        else:
            filled = backfill(conn, scenario=build_lifecycle(args.seed, args.vehicles, FIRST, args.days))
        conn.execute("VACUUM ANALYZE telemetry")
        ids = [r[0] for r in conn.execute("SELECT id FROM vehicle ORDER BY id").fetchall()]
        database_mb = round(scalar(conn, "SELECT pg_database_size(current_database())") / 2**20, 1)
    now = datetime.combine(last, datetime.min.time(), UTC) + timedelta(hours=20)
    if args.shards > 1:
        return {
            "vehicles": args.vehicles, "days": args.days, "seed": args.seed, "workers": args.workers,
            "telemetry_rows": filled.rows, "backfill_s": filled.seconds, "database_mb": database_mb,
            "lease_s": args.lease_s,
            **measure_sharded(
                url, now=now, shards=args.shards, kill_one=args.kill_one, lease_s=args.lease_s,
                workers=args.workers, lookback_days=LOOKBACK_DAYS,
            ),
        }  # fmt: skip
    rss_before = peak_rss_mb()
    workers = args.workers
    pool = make_pool(DatabaseSettings(url=url, timescale="off"), name="bench-detection")
    passes: dict[str, dict] = {}
    with TreePss() as tree:
        try:
            passes["first"] = _timed_pass(
                pool, workers=workers, tree=tree, now=now, refresh_days=LOOKBACK_DAYS
            )
            started = time.monotonic()
            with pool.connection() as conn:
                rows = len(load_frame(conn, start=now - timedelta(days=LOOKBACK_DAYS), now=now))
            baseline = {"seconds": round(time.monotonic() - started, 2), "rows": rows}
            passes["full"] = _timed_pass(pool, workers=workers, tree=tree, now=now + timedelta(minutes=1))
            rng = random.Random(args.seed)
            pool_ids = list(ids)
            rng.shuffle(pool_ids)
            at = now + timedelta(days=1)
            taken = 0
            for share in (0.01, 0.10):
                count = max(1, round(len(ids) * share))
                changed = sorted(pool_ids[taken : taken + count])
                taken += count
                with pool.connection() as conn:
                    conn.autocommit = True
                    # Earlier arrivals as if long ago: beyond the watermark's 5-minute re-read margin, which would
                    # otherwise count the previous batch's vehicles as changed again (passes here are seconds apart).
                    conn.execute("UPDATE telemetry SET received_at = received_at - INTERVAL '1 hour' WHERE received_at"
                                 " > (SELECT received_at FROM detection_watermark) - INTERVAL '1 hour'")  # fmt: skip
                    added, cars = add_next_day(conn, ids=changed, last=last)
                tag = f"{round(share * 100)}pct"
                at += timedelta(minutes=10)
                passes[f"incremental_{tag}"] = _timed_pass(
                    pool, workers=workers, tree=tree, now=at, only_changed=True
                ) | {
                    "picked": len(changed),
                    "changed": cars,
                    "rows_added": added,
                }
                # The same data once more as a full pass: the ratio compares like with like.
                at += timedelta(minutes=1)
                passes[f"full_{tag}"] = _timed_pass(pool, workers=workers, tree=tree, now=at)
        finally:
            pool.close()
    return {
        "vehicles": args.vehicles, "days": args.days, "seed": args.seed, "workers": workers, "telemetry_rows": filled.rows,
        "backfill_s": filled.seconds, "database_mb": database_mb, "rss_before_passes_mb": rss_before, "baseline_load": baseline,
        "passes": passes,
    }  # fmt: skip


def summarize(figures: dict) -> dict:
    """Add the ratios and the verdict against the targets to `figures`."""
    p = figures["passes"]
    out = dict(figures)
    for tag in ("1pct", "10pct"):
        inc, full = p[f"incremental_{tag}"], p[f"full_{tag}"]
        out[f"ratio_full_over_incremental_{tag}"] = round(full["seconds"] / max(inc["seconds"], 1e-3), 1)
        # The part that scales with vehicles (everything but the rollup refresh) per changed vehicle.
        work = sum(v for k, v in inc["phases_ms"].items() if k != "refresh")
        out[f"incremental_{tag}_ms_per_vehicle"] = round(work / max(inc["vehicles"], 1), 2)
    full_work = sum(v for k, v in p["full"]["phases_ms"].items() if k != "refresh")
    out["full_ms_per_vehicle"] = round(full_work / max(p["full"]["vehicles"], 1), 2)
    peak = max(x["peak_rss_mb"] for x in p.values())
    out["peak_rss_mb"] = peak
    out["tree_rss_bound_mb"] = max(x["tree_rss_bound_mb"] for x in p.values())
    sampled = [x["tree_pss_peak_mb"] for x in p.values() if x["tree_pss_peak_mb"] is not None]
    # What the tree holds: the sampled PSS, and never less than this process's own (kernel-measured) peak.
    out["tree_pss_peak_mb"] = max(sampled + [peak]) if sampled else None
    held = out["tree_pss_peak_mb"] if sampled else out["tree_rss_bound_mb"]
    out["targets"] = {
        "full_pass_s": TARGET_FULL_S, "rss_mb": TARGET_RSS_MB,
        "first_pass_ok": p["first"]["seconds"] <= TARGET_FULL_S, "full_pass_ok": p["full"]["seconds"] <= TARGET_FULL_S,
        "rss_ok": held <= TARGET_RSS_MB,
    }  # fmt: skip
    return out


def print_table(out: dict) -> None:
    """Print one line per pass with its phases."""
    print(
        f"detection bench: {out['vehicles']} vehicles x {out['days']} days, {out['telemetry_rows']:,} telemetry rows"
        f" (backfill {out['backfill_s']} s); baseline load_frame {out['baseline_load']['seconds']} s"
        f" for {out['baseline_load']['rows']:,} rollup rows"
    )
    print(
        f"{'pass':<18} {'scope':<8} {'vehicles':>8} {'seconds':>8} {'cpu_s':>7} {'workers':>7}  phases (ms)"
    )
    for name, x in out["passes"].items():
        phases = " ".join(f"{k}={v:.0f}" for k, v in x["phases_ms"].items())
        print(
            f"{name:<18} {x['scope']:<8} {x['vehicles']:>8} {x['seconds']:>8.2f} {x['cpu_seconds']:>7.2f}"
            f" {x['workers']:>7}  {phases}"
        )
    print(
        f"full/incremental: {out['ratio_full_over_incremental_1pct']}x at 1 %,"
        f" {out['ratio_full_over_incremental_10pct']}x at 10 %; ms per vehicle (without refresh):"
        f" full {out['full_ms_per_vehicle']}, 1 % {out['incremental_1pct_ms_per_vehicle']},"
        f" 10 % {out['incremental_10pct_ms_per_vehicle']}; peak RSS {out['peak_rss_mb']} MB, process tree: peak PSS"
        f" {out['tree_pss_peak_mb']} MB (sampled), RSS bound {out['tree_rss_bound_mb']} MB (shared pages counted per"
        " process)"
        f" (before the passes {out['rss_before_passes_mb']} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark in a throwaway database; print the table and the JSON line."""
    args = parse_args(argv)
    name = args.reuse_db or f"carecast_benchdet_{uuid.uuid4().hex[:8]}"
    if not args.reuse_db:
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        out = measure(conninfo.make_conninfo(args.admin_url, dbname=name), args)
        if args.shards == 1:
            out = summarize(out)
    finally:
        if not args.reuse_db:
            with psycopg.connect(args.admin_url, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    if args.shards > 1:
        print(
            f"detection bench: {out['vehicles']} vehicles x {out['days']} days, {out['telemetry_rows']:,} telemetry"
            f" rows (backfill {out['backfill_s']} s, database {out['database_mb']} MB); rule workers per process"
            f" {out['workers']}, shard lease {out['lease_s']} s"
        )
        print_sharded(out)
    else:
        print_table(out)
    print(json.dumps(out, sort_keys=True, default=str))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
