"""Run detection passes on an interval with APScheduler 3 (first pass at start, never two at once)."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from psycopg_pool import ConnectionPool

from detection.job import run_pass
from detection.settings import DetectionOptions


@dataclass
class Cadence:
    """Decides how many days each pass refreshes: the whole lookback on the first and every N-th pass."""

    options: DetectionOptions
    passes: int = 0

    def next_refresh_days(self) -> int:
        """Return the refresh window of the next pass and count it."""
        every = self.options.full_refresh_every
        full = self.passes == 0 or (every > 0 and self.passes % every == 0)
        self.passes += 1
        return self.options.lookback_days if full else self.options.refresh_days


def run_scheduled(
    pool: ConnectionPool,
    *,
    options: DetectionOptions,
    rules: Sequence[tuple[ModuleType, Any]],
    log: Any,
    fixed_now: datetime | None = None,
) -> None:
    """Block running a pass every `options.interval_s` seconds until SIGTERM or Ctrl-C."""
    cadence = Cadence(options)

    def tick() -> None:
        now = fixed_now or datetime.now(UTC)
        try:
            run_pass(
                pool,
                now=now,
                rules=rules,
                lookback_days=options.lookback_days,
                refresh_days=cadence.next_refresh_days(),
                log=log,
            )
        except Exception:  # a failed pass (database down, ...) is logged; the next one tries again
            log.exception("detection.pass_failed", now=now.isoformat())

    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        tick, "interval", seconds=options.interval_s, id="detection-pass", next_run_time=datetime.now(UTC),
        coalesce=True, max_instances=1, misfire_grace_time=max(1, int(options.interval_s)),
    )  # fmt: skip
    # Let a running pass finish (wait=True) before the caller closes the pool.
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=True))
    log.info("detection.scheduled", interval_s=options.interval_s, lookback_days=options.lookback_days)
    try:
        scheduler.start()
    except KeyboardInterrupt:
        scheduler.shutdown(wait=True)
