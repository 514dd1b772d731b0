"""The periodic-service runner of detection and notify: jobs on intervals with APScheduler 3 (first run at start,
coalesced, never two runs of a job at once), a clean stop on SIGTERM or SIGINT, and optionally a leader lock
(core/leader.py) so that only one process of a kind runs its jobs."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from core.leader import LeaderLock

# Python runs signal handlers in the main thread only, and a signal the kernel hands to another thread does not
# wake a main thread blocked without a timeout: the main thread waits in slices this long, so a stop is seen
# within STOP_POLL_S.
STOP_POLL_S = 0.5


@dataclass(frozen=True, slots=True)
class Job:
    """A job run every `interval_s` seconds, first at start; a failed run is logged as `failed_event` (with the
    traceback) and the next run tries again."""

    id: str
    interval_s: float
    run: Callable[[], object]  # its return value is ignored
    failed_event: str
    # APScheduler's misfire_grace_time: how late a run may still start (its default is 1 s).
    misfire_grace_s: int = 1


class StopSignals:
    """SIGTERM/SIGINT handler requesting the stop: it only records the signal, so a second SIGTERM (or SIGINT then
    SIGTERM) is harmless. It takes no lock and logs nothing (a signal arriving while the main thread holds a lock,
    e.g. inside Event.wait, or writes a log line would deadlock or re-enter the stream); the runner's main loop
    sees it and shuts the scheduler down."""

    def __init__(self) -> None:
        self.received: list[str] = []

    def install(self) -> StopSignals:
        """Handle SIGTERM and SIGINT with this object (main thread only); return it."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self)
        return self

    def __call__(self, signum: int, _frame: object) -> None:
        self.received.append(signal.Signals(signum).name)

    @property
    def requested(self) -> bool:
        """Return whether a stop was requested."""
        return bool(self.received)


def run_periodic(
    jobs: Callable[[], Sequence[Job]],
    *,
    log: Any,
    leader: LeaderLock | None = None,
    lock_poll_s: float = 1.0,
    on_start: Callable[[], None] | None = None,
    stop: StopSignals | None = None,
) -> tuple[str, ...]:
    """Block running `jobs()` on their intervals until SIGTERM or SIGINT; return the names of the stop signals.

    With a `leader` lock the jobs run only while this process holds it: it waits for the lock, and when the lock's
    session is lost it stops the jobs (a running one finishes) and waits again. Each term as leader starts like a
    fresh process, with new `jobs()` and first runs at once, since another process may have run them meanwhile.
    `on_start` is called each time the jobs start. Pass `stop` to request the stop some other way than signals.
    """
    stop = stop or StopSignals().install()
    if leader is None:
        _term(jobs(), stop=stop, log=log, leader=None, lock_poll_s=lock_poll_s, on_start=on_start)
        return tuple(stop.received)
    try:
        while leader.acquire(stopping=lambda: stop.requested, poll_s=lock_poll_s):
            _term(jobs(), stop=stop, log=log, leader=leader, lock_poll_s=lock_poll_s, on_start=on_start)
    finally:
        leader.release()
    return tuple(stop.received)


def _term(
    jobs: Sequence[Job],
    *,
    stop: StopSignals,
    log: Any,
    leader: LeaderLock | None,
    lock_poll_s: float,
    on_start: Callable[[], None] | None,
) -> None:
    """Run the jobs until a stop is requested or the leader lock is lost."""
    scheduler = BackgroundScheduler(timezone=UTC)
    for job in jobs:
        scheduler.add_job(
            _guarded(job, stop=stop, log=log), "interval", seconds=job.interval_s, id=job.id,
            next_run_time=datetime.now(UTC), coalesce=True, max_instances=1, misfire_grace_time=job.misfire_grace_s,
        )  # fmt: skip
    scheduler.start()
    if on_start is not None:
        on_start()
    checked = time.monotonic()
    while not stop.requested:
        time.sleep(STOP_POLL_S)
        if leader is not None and time.monotonic() - checked >= lock_poll_s:
            checked = time.monotonic()
            if not leader.held():
                break
    # Outside the signal handler: let a running job finish before the caller closes what the jobs use.
    scheduler.shutdown(wait=True)


def _guarded(job: Job, *, stop: StopSignals, log: Any) -> Callable[[], None]:
    """Return `job.run` behind the per-job boundary: skipped once a stop is requested, failures logged."""

    def run() -> None:
        if stop.requested:  # submitted just before the stop signal: the caller is about to close the pool
            return
        try:
            job.run()
        except Exception:  # e.g. the database is down: logged, and the next run tries again
            log.exception(job.failed_event)

    return run
