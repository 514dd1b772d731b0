"""``carecast simulate`` (``python -m simulators``): seed the fleet, publish its history window, optionally keep
publishing live."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import orjson

from core.cli import CONTEXT_SETTINGS, INSTANT, run_command
from core.cli_errors import BrokerUnreachable, InvalidInput
from core.db import connect
from core.log import configure_logging
from core.progress import progress
from simulators.backfill import backfill
from simulators.errors import PublishError, SimulatorError
from simulators.lifecycle import build_lifecycle
from simulators.models import fleet_models
from simulators.run import run_history, run_live
from simulators.scenario import build_scenario, expected_json
from simulators.seed import seed_fleet
from simulators.settings import SimulatorSettings


@click.command(name="simulate", context_settings=CONTEXT_SETTINGS)
@click.option("--vehicles", type=int, default=200, show_default=True, help="Fleet size (at least 5).")
@click.option(
    "--ev-share", type=float, default=0.35, show_default=True, help="Share of battery-electric vehicles."
)
@click.option(
    "--days", type=int, default=60, show_default=True, help="Length of the history window (at least 7)."
)
@click.option("--end", type=INSTANT, help="End of the window (naive means UTC).  [default: now]")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the fleet and its faults.")
@click.option(
    "--samples-per-message",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    metavar="1..1000",
    help="Samples per MQTT message (a car that was offline sends a batch).",
)
@click.option(
    "--no-seed-db",
    is_flag=True,
    help="Do not upsert the fleet (centers, customers, vehicles) into the database.",
)
@click.option(
    "--live",
    is_flag=True,
    help="After the history, publish one sample per vehicle per interval until stopped. A live fleet also reports "
    "diagnostic trouble codes, in its history too (not in --expected-out).",
)
@click.option(
    "--interval-s", type=float, default=10.0, show_default=True, help="Live publishing interval in seconds."
)
@click.option(
    "--expected-out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the expected risks per VIN to this JSON file.",
)
@click.option("--backfill", "backfill_mode", is_flag=True,
              help="Write the lifecycle fleet's history (days ending at --end) and its ground truth straight into "
              "the database with COPY instead of publishing over MQTT (for long histories).")  # fmt: skip
def command(
    vehicles: int, ev_share: float, days: int, end: datetime | None, seed: int, samples_per_message: int,
    no_seed_db: bool, live: bool, interval_s: float, expected_out: Path | None, backfill_mode: bool,
) -> int:  # fmt: skip
    """Publish a simulated fleet's telemetry over MQTT.

    Seeds the fleet (service centers, customers, vehicles with regional climate and injected faults whose
    outcome is known) into the database, publishes its history window as fast as the broker acknowledges, and
    with --live keeps publishing in real time until SIGTERM or Ctrl-C. The same --seed gives the same fleet.
    """
    settings = SimulatorSettings()
    log = configure_logging(settings.log, process="simulators")
    end = end or datetime.now(UTC).replace(microsecond=0)
    if backfill_mode:
        return run_backfill(
            settings, vehicles=vehicles, days=days, seed=seed, ev_share=ev_share, end=end, log=log
        )
    try:
        scenario = build_scenario(seed, vehicles, end, days=days, ev_share=ev_share)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if expected_out:
        expected_out.write_bytes(orjson.dumps(expected_json(scenario), option=orjson.OPT_INDENT_2))
    try:
        if not no_seed_db:
            with connect(settings.database) as conn:
                seeded = seed_fleet(conn, fleet=scenario.fleet)
            log.info(
                "fleet_seeded",
                centers=seeded.centers,
                technicians=seeded.technicians,
                customers=seeded.customers,
                vehicles=seeded.vehicles,
            )
        # A live fleet (carecast up) also reports trouble codes; their risks are not among the expected outcome.
        models = fleet_models(scenario, dtc=live)
        with progress() as bar:
            bar.phase(f"publishing {days} days of {vehicles} vehicles", total=scenario.days)
            report = run_history(
                settings, scenario=scenario, samples_per_message=samples_per_message, models=models,
                on_day=bar.advance,
            )  # fmt: skip
        log.info(
            "history_published",
            vehicles=report.vehicles,
            samples=report.samples,
            messages=report.messages,
            seconds=report.seconds,
            days=days,
            end=end.isoformat(),
            seed=seed,
            faults=len(scenario.faults),
        )
        if live:
            stop = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
            live_report = run_live(settings, models=models, interval_s=interval_s, stop=stop)
            log.info(
                "live_stopped",
                vehicles=live_report.vehicles,
                samples=live_report.samples,
                messages=live_report.messages,
                seconds=live_report.seconds,
            )
    except PublishError as exc:
        if isinstance(exc.__cause__, OSError):
            cause = exc.__cause__
            raise BrokerUnreachable(
                settings.mqtt.host, settings.mqtt.port, cause.strerror or str(cause)
            ) from exc
        log.error("simulator_failed", error=str(exc), error_type=type(exc).__name__)
        return 1
    except SimulatorError as exc:
        log.error("simulator_failed", error=str(exc), error_type=type(exc).__name__)
        return 1
    return 0


def run_backfill(
    settings: SimulatorSettings,
    *,
    vehicles: int,
    days: int,
    seed: int,
    ev_share: float,
    end: datetime,
    log,  # noqa: ANN001
) -> int:
    """Backfill the lifecycle fleet into the database; return the exit code."""
    first = end.date() - timedelta(days=days - 1)
    try:
        scenario = build_lifecycle(seed, vehicles, first, days, ev_share=ev_share)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    with progress() as bar, connect(settings.database, autocommit=True) as conn:
        bar.phase(f"backfilling {days} days of {vehicles} vehicles")
        report = backfill(conn, scenario=scenario)
    log.info(
        "history_backfilled", vehicles=report.vehicles, rows=report.rows, truths=report.truths,
        seconds=report.seconds, rows_per_s=round(report.rows / max(report.seconds, 1e-9)), days=days,
        first=first.isoformat(), seed=seed,
    )  # fmt: skip
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator; return the exit code."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
