"""Run detection passes on an interval with APScheduler 3 (first pass at start, never two at once)."""

from __future__ import annotations

import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
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
    """Block running a pass every `options.interval_s` seconds until SIGTERM or SIGINT (a repeat is harmless)."""
    cadence = Cadence(options)
    stop = _Stopper()

    def tick() -> None:
        if stop.received:  # submitted just before the stop signal: the pool is about to close
            return
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

    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        tick, "interval", seconds=options.interval_s, id="detection-pass", next_run_time=datetime.now(UTC),
        coalesce=True, max_instances=1, misfire_grace_time=max(1, int(options.interval_s)),
    )  # fmt: skip
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("detection.scheduled", interval_s=options.interval_s, lookback_days=options.lookback_days)
    scheduler.start()
    # Python runs signal handlers in the main thread only, and a signal the kernel hands to another thread does not
    # wake a main thread blocked without a timeout: wait in short slices so a stop is seen within STOP_POLL_S.
    while not stop.received:
        time.sleep(STOP_POLL_S)
    # Outside the handler: let a running pass finish before the caller closes the pool.
    scheduler.shutdown(wait=True)
    log.info("detection.stopped", signals=",".join(stop.received))


STOP_POLL_S = 0.5


@dataclass
class _Stopper:
    """Signal handler requesting the stop: it only records the signal, so a second SIGTERM (or SIGINT then SIGTERM)
    is harmless. It takes no lock and logs nothing (a signal arriving while the main thread holds a lock, e.g. inside
    Event.wait, or writes a log line would deadlock or re-enter the stream); the main loop shuts the scheduler down."""

    received: list[str] = field(default_factory=list)

    def __call__(self, signum: int, _frame: object) -> None:
        self.received.append(signal.Signals(signum).name)
