"""Run detection passes on an interval with APScheduler 3 (first pass at start, never two at once, and only in the
process holding the scheduler lock)."""

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

from core.settings import DatabaseSettings
from detection.job import run_pass
from detection.leader import SchedulerLock
from detection.settings import DetectionOptions


@dataclass(frozen=True, slots=True)
class PassPlan:
    """What the next pass does: how many days of rollup it refreshes, and whether it judges only changed vehicles."""

    refresh_days: int
    only_changed: bool


@dataclass
class Cadence:
    """Decides each pass's plan: the whole lookback is refreshed on the first and every N-th pass; every vehicle is
    judged on the first pass and whenever `full_pass_every_s` has passed since the last full judgement (what changes
    with time alone: a car going silent, a predicted date coming closer), otherwise only vehicles with new data."""

    options: DetectionOptions
    passes: int = 0
    last_full_at: float | None = None

    def next_refresh_days(self) -> int:
        """Return the refresh window of the next pass and count it."""
        every = self.options.full_refresh_every
        full = self.passes == 0 or (every > 0 and self.passes % every == 0)
        self.passes += 1
        return self.options.lookback_days if full else self.options.refresh_days

    def next_plan(self, clock_s: float) -> PassPlan:
        """Return the plan of the pass starting at monotonic time `clock_s` and count it."""
        every = self.options.full_pass_every_s
        full = self.last_full_at is None or every <= 0 or clock_s - self.last_full_at >= every
        if full:
            self.last_full_at = clock_s
        return PassPlan(refresh_days=self.next_refresh_days(), only_changed=not full)


def run_scheduled(
    pool: ConnectionPool,
    *,
    database: DatabaseSettings,
    options: DetectionOptions,
    rules: Sequence[tuple[ModuleType, Any]],
    log: Any,
    fixed_now: datetime | None = None,
) -> None:
    """Block running a pass every `options.interval_s` seconds until SIGTERM or SIGINT (a repeat is harmless), but
    only while this process holds the scheduler lock: a second `carecast detect` waits and takes over when the
    first stops or dies."""
    stop = _Stopper()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    lock = SchedulerLock(database, log=log)
    try:
        while lock.acquire(stopping=lambda: bool(stop.received), poll_s=options.lock_poll_s):
            # A new term as leader starts like a fresh process: another one may have run passes meanwhile.
            _lead(pool, lock=lock, stop=stop, options=options, rules=rules, log=log, fixed_now=fixed_now)
    finally:
        lock.release()
    log.info("detection.stopped", signals=",".join(stop.received))


def _lead(
    pool: ConnectionPool,
    *,
    lock: SchedulerLock,
    stop: _Stopper,
    options: DetectionOptions,
    rules: Sequence[tuple[ModuleType, Any]],
    log: Any,
    fixed_now: datetime | None,
) -> None:
    """Run the scheduler until a stop signal or until the lock's session is lost."""
    cadence = Cadence(options)

    def tick() -> None:
        if stop.received:  # submitted just before the stop signal: the pool is about to close
            return
        now = fixed_now or datetime.now(UTC)
        plan = cadence.next_plan(time.monotonic())
        try:
            run_pass(
                pool, now=now, rules=rules, lookback_days=options.lookback_days, refresh_days=plan.refresh_days,
                only_changed=plan.only_changed, workers=options.workers, log=log,
            )  # fmt: skip
        except Exception:  # a failed pass (database down, ...) is logged; the next one tries again
            log.exception("detection.pass_failed", now=now.isoformat())

    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        tick, "interval", seconds=options.interval_s, id="detection-pass", next_run_time=datetime.now(UTC),
        coalesce=True, max_instances=1, misfire_grace_time=max(1, int(options.interval_s)),
    )  # fmt: skip
    log.info(
        "detection.scheduled", interval_s=options.interval_s, lookback_days=options.lookback_days,
        full_pass_every_s=options.full_pass_every_s,
    )  # fmt: skip
    scheduler.start()
    # Python runs signal handlers in the main thread only, and a signal the kernel hands to another thread does not
    # wake a main thread blocked without a timeout: wait in short slices so a stop is seen within STOP_POLL_S.
    checked = time.monotonic()
    while not stop.received:
        time.sleep(STOP_POLL_S)
        if time.monotonic() - checked >= options.lock_poll_s:
            checked = time.monotonic()
            if not lock.held():
                log.warning("detection.lock_lost")
                break
    # Outside the handler: let a running pass finish before the caller closes the pool.
    scheduler.shutdown(wait=True)


STOP_POLL_S = 0.5


@dataclass
class _Stopper:
    """Signal handler requesting the stop: it only records the signal, so a second SIGTERM (or SIGINT then SIGTERM)
    is harmless. It takes no lock and logs nothing (a signal arriving while the main thread holds a lock, e.g. inside
    Event.wait, or writes a log line would deadlock or re-enter the stream); the main loop shuts the scheduler down."""

    received: list[str] = field(default_factory=list)

    def __call__(self, signum: int, _frame: object) -> None:
        self.received.append(signal.Signals(signum).name)
