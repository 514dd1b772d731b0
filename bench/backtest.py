"""Per-rule precision, recall and lead time of detection against a simulated fleet with ground truth.

Generates the lifecycle fleet (``simulators.lifecycle``) into a throwaway database with the direct backfill,
builds the daily rollup, then replays detection as production runs it: at each replay time only the rollup days up
to that time are visible, the data-quality guard runs first, every rule evaluates, and a risk lifecycle (one open risk
per vehicle and kind, closed when the rule clears the vehicle) turns flags into alerts. Alerts are scored against the
ground truth the simulator wrote (``bench.backtest_score``). Prints a table, then one JSON line.

    carecast evaluate --vehicles 2000 --days 365 --seed 101     # = python -m bench.backtest ...
    carecast evaluate --quick          # a small run for the test suite
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import click
import pandas as pd
import psycopg
from psycopg import conninfo, sql

from bench.backtest_score import Event, Lifecycle, score, table
from core import forecasts
from core.cli import CONTEXT_SETTINGS, run_command
from core.migrate import migrate
from core.progress import Progress, progress
from detection import quality
from detection.frame import utc_naive
from detection.outlook import with_forecast
from detection.repository import load_frame, refresh_daily
from detection.rules import RULES
from domain.forecast import MAX_HORIZON_DAYS
from simulators.backfill import backfill
from simulators.lifecycle import build_lifecycle

# The rules scored: every rule; the lifecycle simulator writes ground truth for each kind (sim_ground_truth),
# the maintenance rule's being the due dates of the cars' service schedules (simulators.service).
SCORED = tuple(RULES)
FIRST = date(2025, 6, 1)  # a fixed window that spans a winter; figures do not depend on the run date
WARMUP_DAYS = 30


@dataclass(frozen=True, slots=True)
class Options:
    """What to generate and how often to replay."""

    vehicles: int
    days: int
    seed: int
    step: int
    admin_url: str


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


def replay(
    frame,  # noqa: ANN001
    *,
    first: date,
    last: date,
    step: int,
    check_guard: bool = False,
    on_pass: Callable[[], None] | None = None,
) -> tuple[list, dict]:
    """Run every rule at 20:00 UTC of every `step`-th day in [first, last]; return episodes and timing.

    `on_pass` is called after each replayed pass (progress)."""
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
        if on_pass is not None:
            on_pass()
    seconds = time.monotonic() - started
    timing = {"passes": passes, "replay_s": round(seconds, 1), "guard_s": round(guard_s, 1),
              "rule_s": {k: round(v, 1) for k, v in per_rule.items()}}  # fmt: skip
    return life.episodes(), timing


def run(args: Options, *, bar: Progress | None = None) -> dict:
    """Generate, backfill, replay and score; return the figures (`bar` shows the steps on a terminal)."""
    bar = bar or Progress()
    name = f"carecast_backtest_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(conninfo.make_conninfo(args.admin_url, dbname=name), autocommit=True) as conn:
            migrate(conn, timescale="off")
            bar.phase(f"backfilling {args.days} days of {args.vehicles} vehicles")
            scenario = build_lifecycle(args.seed, args.vehicles, FIRST, args.days)
            filled = backfill(conn, scenario=scenario)
            bar.phase("building the daily rollup")
            last = FIRST + timedelta(days=args.days - 1)
            t0 = time.monotonic()
            begin = datetime.combine(FIRST - timedelta(days=1), datetime.min.time(), UTC)
            finish = datetime.combine(last + timedelta(days=2), datetime.min.time(), UTC)
            refresh_daily(conn, start=begin, end=finish)
            # Production reads the service countdown (DTC lists) of the last two weeks (month) only; a replay needs the
            # whole window.
            frame = load_frame(conn, start=begin, now=finish, service_days=(finish - begin).days,
                               dtc_days=(finish - begin).days)  # fmt: skip
            # the forecasts the simulator issued each day (simulators.forecast), as each day's pass reads them
            issued = forecasts.load(
                conn, start=begin.date(), end=finish.date(), horizon_days=MAX_HORIZON_DAYS
            )
            frame = with_forecast(frame, issued)
            rollup_s = time.monotonic() - t0
            events = _events(conn, args.seed)
        start = FIRST + timedelta(days=WARMUP_DAYS)
        bar.phase("replaying detection", total=len(range(0, (last - start).days + 1, args.step)))
        episodes, timing = replay(frame, first=start, last=last, step=args.step, on_pass=bar.advance)
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


@click.command(name="evaluate", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--vehicles", type=click.IntRange(min=1), default=500, show_default=True, metavar="N", help="Fleet size."
)
@click.option(
    "--days",
    type=click.IntRange(min=31),
    default=365,
    show_default=True,
    metavar="N",
    help="Length of the simulated history (the first 30 days only warm the rules up).",
)
@click.option("--seed", type=int, default=101, show_default=True, help="Seed of the fleet and its faults.")
@click.option(
    "--step",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="DAYS",
    help="Days between replayed detection passes (1: day by day, as in production).",
)
@click.option("--quick", is_flag=True, help="120 vehicles x 240 days, a pass every 7 days (for tests).")
@click.option("--json", "as_json", is_flag=True, help="Print only the JSON line.")
@click.option("--admin-url", envvar="CARECAST_TEST_ADMIN_URL", show_envvar=True, metavar="URL",
              help="PostgreSQL server to create the throwaway database on (a libpq URL).")  # fmt: skip
def command(
    vehicles: int, days: int, seed: int, step: int, quick: bool, as_json: bool, admin_url: str | None
) -> int:
    """Backtest every risk rule on a simulated fleet and score it.

    Generates a fleet whose failures are known (the lifecycle simulator) into a throwaway database, replays
    detection over its history as production would run it, and scores each rule's alerts against the truth:
    precision, recall, false alerts per 1,000 vehicle-months and lead time. Prints a table, then one JSON line.
    The same seed gives the same figures.
    """
    if quick:
        vehicles, days, step = 120, 240, 7
    if not admin_url:
        raise click.UsageError(
            "--admin-url or CARECAST_TEST_ADMIN_URL is required (a throwaway database is created there)"
        )
    options = Options(vehicles=vehicles, days=days, seed=seed, step=step, admin_url=admin_url)
    with progress() as bar:
        out = run(options, bar=bar)
    if not as_json:
        print(f"backtest: {out['vehicles']} vehicles x {out['days']} days, seed {out['seed']}, "
              f"pass every {out['step_days']} days; {out['rows']} rows backfilled in {out['backfill_s']} s")  # fmt: skip
        print(table(out["rules"]))
    print(json.dumps(out, sort_keys=True))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Print the per-rule table and the JSON line."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
