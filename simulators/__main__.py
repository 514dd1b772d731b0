"""``python -m simulators``: seed the fleet, publish its history window, optionally keep publishing live."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psycopg

from core.cli_args import parse_instant
from core.db import connect
from core.log import configure_logging
from simulators.backfill import backfill
from simulators.errors import SimulatorError
from simulators.lifecycle import build_lifecycle
from simulators.models import fleet_models
from simulators.run import run_history, run_live
from simulators.scenario import build_scenario, expected_json
from simulators.seed import seed_fleet
from simulators.settings import SimulatorSettings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the command-line options."""
    p = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    p.add_argument("--vehicles", type=int, default=200, help="fleet size (>= 5)")
    p.add_argument("--ev-share", type=float, default=0.35, help="share of battery-electric vehicles")
    p.add_argument("--days", type=int, default=60, help="length of the history window (>= 7)")
    p.add_argument(
        "--end",
        type=parse_instant,
        default=None,
        help="end of the window, ISO 8601 (default: now; naive = UTC)",
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--samples-per-message", type=int, default=20, choices=range(1, 1001), metavar="1..1000")
    p.add_argument("--no-seed-db", action="store_true", help="do not upsert the fleet into the database")
    p.add_argument(
        "--live", action="store_true", help="after the history, publish one sample per vehicle per interval"
    )
    p.add_argument("--interval-s", type=float, default=10.0, help="live publishing interval")
    p.add_argument(
        "--expected-out", type=Path, default=None, help="write the expected risks per VIN to this JSON file"
    )
    p.add_argument(
        "--backfill",
        action="store_true",
        help="write the lifecycle fleet's history (days ending at --end) and its ground truth straight into the "
        "database with COPY instead of publishing over MQTT (for long histories; see simulators/lifecycle.py)",
    )
    return p.parse_args(argv)


def run_backfill(args: argparse.Namespace, settings: SimulatorSettings, end: datetime, log) -> int:  # noqa: ANN001
    """Backfill the lifecycle fleet into the database; return the exit code."""
    first = end.date() - timedelta(days=args.days - 1)
    try:
        scenario = build_lifecycle(args.seed, args.vehicles, first, args.days, ev_share=args.ev_share)
        with connect(settings.database, autocommit=True) as conn:
            report = backfill(conn, scenario=scenario)
    except ValueError as exc:
        log.error("bad_arguments", error=str(exc))
        return 2
    except psycopg.Error as exc:
        log.error("backfill_failed", error=str(exc), error_type=type(exc).__name__)
        return 1
    log.info(
        "history_backfilled", vehicles=report.vehicles, rows=report.rows, truths=report.truths,
        seconds=report.seconds, rows_per_s=round(report.rows / max(report.seconds, 1e-9)), days=args.days,
        first=first.isoformat(), seed=args.seed,
    )  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the simulator; return the exit code."""
    args = parse_args(argv)
    settings = SimulatorSettings()
    log = configure_logging(settings.log, process="simulators")
    end = args.end or datetime.now(UTC).replace(microsecond=0)
    if args.backfill:
        return run_backfill(args, settings, end, log)
    try:
        scenario = build_scenario(args.seed, args.vehicles, end, days=args.days, ev_share=args.ev_share)
    except ValueError as exc:
        log.error("bad_arguments", error=str(exc))
        return 2
    if args.expected_out:
        args.expected_out.write_bytes(orjson.dumps(expected_json(scenario), option=orjson.OPT_INDENT_2))
    try:
        if not args.no_seed_db:
            with connect(settings.database) as conn:
                seeded = seed_fleet(conn, fleet=scenario.fleet)
            log.info(
                "fleet_seeded",
                centers=seeded.centers,
                technicians=seeded.technicians,
                customers=seeded.customers,
                vehicles=seeded.vehicles,
            )
        models = fleet_models(scenario)
        report = run_history(
            settings, scenario=scenario, samples_per_message=args.samples_per_message, models=models
        )
        log.info(
            "history_published",
            vehicles=report.vehicles,
            samples=report.samples,
            messages=report.messages,
            seconds=report.seconds,
            days=args.days,
            end=end.isoformat(),
            seed=args.seed,
            faults=len(scenario.faults),
        )
        if args.live:
            stop = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
            live = run_live(settings, models=models, interval_s=args.interval_s, stop=stop)
            log.info(
                "live_stopped",
                vehicles=live.vehicles,
                samples=live.samples,
                messages=live.messages,
                seconds=live.seconds,
            )
    except (SimulatorError, psycopg.Error) as exc:
        log.error("simulator_failed", error=str(exc), error_type=type(exc).__name__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
