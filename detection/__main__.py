"""``carecast detect`` (``python -m detection``): raise, update and resolve risks from the daily telemetry rollup."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import click

from core.cli import CONTEXT_SETTINGS, INSTANT, run_command
from core.cli_errors import InvalidInput
from core.db import make_pool
from core.log import configure_logging
from detection.errors import RuleConfigError
from detection.job import run_pass
from detection.metrics import DetectionMetrics
from detection.rules import configured
from detection.schedule import run_scheduled
from detection.settings import Settings


@click.command(name="detect", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--once", is_flag=True, help="Run one pass (full rollup refresh) and exit; status 1 if a rule failed."
)
@click.option(
    "--now", type=INSTANT, help="Evaluate at this time instead of the wall clock (naive means UTC)."
)
def command(once: bool, now: datetime | None) -> int:
    """Raise, update and resolve risks from the daily telemetry rollup.

    Without --once a pass runs every CARECAST_DETECTION__INTERVAL_S seconds until SIGTERM or Ctrl-C; several
    copies may run, one of them (the holder of a PostgreSQL advisory lock) schedules the passes and the others
    wait to take over; with CARECAST_DETECTION__SHARDS=N every copy also judges shards of each pass under a lease
    (docs/scaling.md). Rule parameters: CARECAST_DETECTION__RULES__<RULE>__<PARAMETER>.
    """
    settings = Settings()
    log = configure_logging(settings.log, process="detection")
    options = settings.detection
    try:
        rules = configured(options.rules)
    except RuleConfigError as exc:
        raise InvalidInput(f"{exc} (CARECAST_DETECTION__RULES__…)") from exc
    pool = make_pool(settings.database, name="detection")
    metrics = DetectionMetrics()
    try:
        if once:
            report = run_pass(
                pool,
                now=now or datetime.now(UTC),
                rules=rules,
                lookback_days=options.lookback_days,
                refresh_days=options.lookback_days,
                workers=options.workers,
                log=log,
            )
            return 1 if report.failed_rules else 0
        if options.metrics_port:
            metrics.serve(host=options.metrics_host, port=options.metrics_port)
        run_scheduled(
            pool,
            database=settings.database,
            options=options,
            rules=rules,
            log=log,
            fixed_now=now,
            metrics=metrics,
            retention=settings.retention,
            forecast=settings.forecast,
        )
        return 0
    finally:
        metrics.close()
        pool.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one pass (--once) or passes on an interval; return the exit code."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
