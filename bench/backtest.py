"""Per-rule precision, recall and lead time of detection against a simulated fleet with ground truth.

Generates the lifecycle fleet (``simulators.lifecycle``) into a throwaway database with the direct backfill,
builds the daily rollup, then replays detection as production runs it: at each replay time only the rollup days up
to that time are visible, the data-quality guard runs first, every rule evaluates, and a risk lifecycle (one open risk
per vehicle and kind, closed when the rule clears the vehicle) turns flags into alerts. Alerts are scored against the
ground truth the simulator wrote (``bench.backtest_score``). Prints a table, then one JSON line.

    python -m bench.backtest --vehicles 2000 --days 365 --seed 101
    python -m bench.backtest --quick          # a small run for the test suite
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import psycopg
from psycopg import conninfo, sql

from bench.backtest_score import Event, Lifecycle, score, table
from core.migrate import migrate
from detection import quality
from detection.frame import utc_naive
from detection.repository import load_frame, refresh_daily
from detection.rules import RULES
from simulators.backfill import backfill
from simulators.lifecycle import build_lifecycle

# The rules scored: every rule; the lifecycle simulator writes ground truth for each kind (sim_ground_truth),
# the maintenance rule's being the due dates of the cars' service schedules (simulators.service).
SCORED = tuple(RULES)
FIRST = date(2025, 6, 1)  # a fixed window that spans a winter; figures do not depend on the run date
WARMUP_DAYS = 30


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    p = argparse.ArgumentParser(prog="python -m bench.backtest", description=__doc__.split("\n\n")[0])
    p.add_argument("--vehicles", type=int, default=500)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--seed", type=int, default=101)
    p.add_argument(
        "--step",
        type=int,
        default=1,
        help="days between replayed detection passes (1: day by day, as in production)",
    )
    p.add_argument("--quick", action="store_true", help="120 vehicles x 240 days, step 7 (for tests)")
    p.add_argument("--json", action="store_true", help="print only the JSON line")
    p.add_argument(
        "--admin-url", default=os.environ.get("CARECAST_TEST_ADMIN_URL"), help="server to create the DB on"
    )
    args = p.parse_args(argv)
    if args.quick:
        args.vehicles, args.days, args.step = 120, 240, 7
    if not args.admin_url:
        p.error("--admin-url or CARECAST_TEST_ADMIN_URL is required (a throwaway database is created there)")
    return args


def _events(conn: psycopg.Connection, seed: int) -> list[Event]:
    rows = conn.execute(
        "SELECT v.id, g.kind, g.mode, g.failure_date, g.service_date FROM sim_ground_truth g"
        " JOIN vehicle v ON v.vin = g.vin WHERE g.seed = %s",
        (seed,),
    ).fetchall()
    return [Event(*r) for r in rows]


class Guarded:
    """The data-quality guard as each replay pass would see it, without re-running it over the fleet per pass.

    The guard blanks a day for a backwards odometer (against the days before it) or an SOH jump (against the
    previous week's median): decisions that depend only on that day and earlier ones, so guarding the whole year
    once and cutting at `now` gives what a pass at `now` gets. The one exception is a stale run (the same SOH 14
    days running), which a pass sees only once it is 14 days long: vehicles with a stale run anywhere are guarded
    again per pass on their own rows (the guard works per vehicle), and so is every vehicle when the history is
    longer than the year a pass looks back (the cut changes what "earlier" holds). ``check=True`` compares with
    a full guard of the pass's rows."""

    def __init__(self, frame: pd.DataFrame, *, now: datetime):
        self.frame = frame
        self.clean, issues = quality.guard(frame, now=now)
        stale = issues.loc[issues["issue"] == "stale_signal", "vehicle_id"].unique()
        if not frame.empty and frame["day"].max() - frame["day"].min() >= YEAR:
            stale = frame["vehicle_id"].unique()  # passes cut older days off: guard everything per pass
        self.again = frame[frame["vehicle_id"].isin(stale)]
        self.clean_rest = self.clean[~self.clean["vehicle_id"].isin(stale)]

    def at(self, now: datetime, *, check: bool = False) -> pd.DataFrame:
        """Return the guarded rows known at `now` (within the last 366 days)."""
        cut = utc_naive(now)
        keep = self.clean_rest[(self.clean_rest["day"] <= cut) & (self.clean_rest["day"] > cut - YEAR)]
        if not self.again.empty:
            own = self.again[(self.again["day"] <= cut) & (self.again["day"] > cut - YEAR)]
            keep = pd.concat([keep, quality.guard(own, now=now)[0]], ignore_index=True)
        if check:
            visible = self.frame[(self.frame["day"] <= cut) & (self.frame["day"] > cut - YEAR)]
            full = quality.guard(visible, now=now)[0]
            ordered = keep.sort_values(["vehicle_id", "day"]).reset_index(drop=True)
            pd.testing.assert_frame_equal(ordered, full, check_like=True)
        return keep


YEAR = pd.Timedelta(days=366)


def replay(frame, *, first: date, last: date, step: int, check_guard: bool = False) -> tuple[list, dict]:  # noqa: ANN001
    """Run every rule at 20:00 UTC of every `step`-th day in [first, last]; return episodes and timing."""
    life = Lifecycle()
    passes, started = 0, time.monotonic()
    per_rule: dict[str, float] = {}
    guarded = Guarded(frame, now=datetime(last.year, last.month, last.day, 20, tzinfo=UTC))
    guard_s = time.monotonic() - started
    day = first
    while day <= last:
        now = datetime(day.year, day.month, day.day, 20, tzinfo=UTC)
        t0 = time.monotonic()
        clean = guarded.at(now, check=check_guard)
        guard_s += time.monotonic() - t0
        for module, params in SCORED:
            t0 = time.monotonic()
            res = module.evaluate(clean, now=now, params=params)
            per_rule[str(module.KIND)] = per_rule.get(str(module.KIND), 0.0) + time.monotonic() - t0
            life.apply(kind=str(res.kind), day=day, flagged=[f.vehicle_id for f in res.flags],
                       evaluated=res.evaluated_vehicle_ids)  # fmt: skip
        passes += 1
        day += timedelta(days=step)
    seconds = time.monotonic() - started
    timing = {"passes": passes, "replay_s": round(seconds, 1), "guard_s": round(guard_s, 1),
              "rule_s": {k: round(v, 1) for k, v in per_rule.items()}}  # fmt: skip
    return life.episodes(), timing


def run(args: argparse.Namespace) -> dict:
    """Generate, backfill, replay and score; return the figures."""
    name = f"carecast_backtest_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(conninfo.make_conninfo(args.admin_url, dbname=name), autocommit=True) as conn:
            migrate(conn, timescale="off")
            scenario = build_lifecycle(args.seed, args.vehicles, FIRST, args.days)
            filled = backfill(conn, scenario=scenario)
            last = FIRST + timedelta(days=args.days - 1)
            t0 = time.monotonic()
            begin = datetime.combine(FIRST - timedelta(days=1), datetime.min.time(), UTC)
            finish = datetime.combine(last + timedelta(days=2), datetime.min.time(), UTC)
            refresh_daily(conn, start=begin, end=finish)
            # Production reads the service countdown of the last two weeks only; a replay needs the whole window.
            frame = load_frame(conn, start=begin, now=finish, service_days=(finish - begin).days)
            rollup_s = time.monotonic() - t0
            events = _events(conn, args.seed)
        start = FIRST + timedelta(days=WARMUP_DAYS)
        episodes, timing = replay(frame, first=start, last=last, step=args.step)
        kinds = [str(m.KIND) for m, _ in SCORED]
        figures = score(
            episodes=episodes, events=events, kinds=kinds, start=start, end=last, vehicles=args.vehicles
        )
        return {
            "vehicles": args.vehicles, "days": args.days, "seed": args.seed, "step_days": args.step,
            "rows": filled.rows, "backfill_s": filled.seconds, "rollup_s": round(rollup_s, 1), **timing,
            "rules": figures,
        }  # fmt: skip
    finally:
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> int:
    """Print the per-rule table and the JSON line."""
    args = parse_args(argv)
    out = run(args)
    if not args.json:
        print(f"backtest: {out['vehicles']} vehicles x {out['days']} days, seed {out['seed']}, "
              f"pass every {out['step_days']} days; {out['rows']} rows backfilled in {out['backfill_s']} s")  # fmt: skip
        print(table(out["rules"]))
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
