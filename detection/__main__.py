"""``python -m detection [--once] [--now ISO]``: raise, update and resolve risks from the daily telemetry rollup."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from core.cli_args import parse_instant
from core.db import make_pool
from core.log import configure_logging
from detection.errors import RuleConfigError
from detection.job import run_pass
from detection.rules import configured
from detection.schedule import run_scheduled
from detection.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Run one pass (--once) or passes on an interval; return the exit code."""
    parser = argparse.ArgumentParser(prog="carecast detect", description=__doc__)
    parser.add_argument("--once", action="store_true", help="run one pass (full rollup refresh) and exit")
    parser.add_argument("--now", type=parse_instant, help="evaluate at this time instead of the wall clock")
    args = parser.parse_args(argv)
    settings = Settings()
    log = configure_logging(settings.log, process="detection")
    options = settings.detection
    try:
        rules = configured(options.rules)
    except RuleConfigError as exc:
        parser.error(str(exc))
    pool = make_pool(settings.database, name="detection")
    try:
        if args.once:
            report = run_pass(
                pool,
                now=args.now or datetime.now(UTC),
                rules=rules,
                lookback_days=options.lookback_days,
                refresh_days=options.lookback_days,
                workers=options.workers,
                log=log,
            )
            return 1 if report.failed_rules else 0
        run_scheduled(
            pool, database=settings.database, options=options, rules=rules, log=log, fixed_now=args.now
        )
        return 0
    finally:
        pool.close()


if __name__ == "__main__":
    raise SystemExit(main())
