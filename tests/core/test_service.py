"""The periodic-service runner (core/service.py) and its leader lock (core/leader.py), with real threads, a real
APScheduler and real PostgreSQL sessions. The processes built on it are tested in tests/detection/test_det_main.py,
test_det_leader.py and tests/notify (SIGTERM, SIGINT, SIGKILL of a leader)."""

from __future__ import annotations

import signal
import threading
import time
import uuid

import structlog

from core.leader import LeaderLock, lock_key
from core.service import Job, StopSignals, run_periodic
from tests.conftest import wait_for
from tests.log_recorder import Recorder

KEY = lock_key(b"cctest")


def _stop_after(stop: StopSignals, script) -> list[BaseException]:
    """Run `script()` in another thread, then send the stop (as SIGTERM's handler would); return its errors."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            script()
        except BaseException as exc:  # re-raised by the test once the runner has returned
            errors.append(exc)
        finally:
            stop(signal.SIGTERM, None)

    threading.Thread(target=run, daemon=True).start()
    return errors


def test_jobs_run_at_start_then_on_their_interval_never_two_at_once():
    running, peak, runs, started_at = [0], [0], [], time.monotonic()
    lock = threading.Lock()

    def slow() -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        runs.append(time.monotonic() - started_at)
        time.sleep(0.15)  # longer than the interval: the scheduler must not start a second run meanwhile
        with lock:
            running[0] -= 1

    stop = StopSignals()
    errors = _stop_after(stop, lambda: wait_for(lambda: len(runs) >= 3, what="three runs"))
    signals = run_periodic(
        lambda: [Job("slow", 0.05, slow, "test.failed")], log=structlog.get_logger(), stop=stop
    )
    assert not errors and signals == ("SIGTERM",)
    assert runs[0] < 1.0 and peak[0] == 1
    assert running[0] == 0  # a clean stop lets the running job finish before returning


def test_a_failed_run_is_logged_and_the_next_run_still_happens():
    calls = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database down")

    stop = StopSignals()
    errors = _stop_after(stop, lambda: wait_for(lambda: len(calls) >= 2, what="the run after the failure"))
    log = Recorder()
    run_periodic(lambda: [Job("flaky", 0.05, flaky, "test.job_failed")], log=log, stop=stop)
    assert not errors
    failed = [e for e in log.events if e["event"] == "test.job_failed"]
    assert len(failed) == 1 and failed[0]["log_level"] == "error" and failed[0]["exc_info"]


def test_a_stop_requested_before_a_run_skips_it_and_a_second_signal_is_harmless():
    ran = []
    stop = StopSignals()
    stop(signal.SIGINT, None)
    stop(signal.SIGTERM, None)
    started = []
    signals = run_periodic(
        lambda: [Job("never", 0.01, lambda: ran.append(1), "test.failed")],
        log=structlog.get_logger(),
        stop=stop,
        on_start=lambda: started.append(1),
    )
    assert signals == ("SIGINT", "SIGTERM") and ran == [] and started == [1]


def test_the_leader_waits_for_the_lock_and_starts_a_new_term_after_losing_it(database, conn):
    log = Recorder()
    app = f"carecast-test-lock-{uuid.uuid4().hex[:6]}"
    holder = LeaderLock(database, key=KEY, name="holder", application_name="carecast-test-holder", log=log)
    assert holder.acquire(stopping=lambda: False, poll_s=0.1)
    leader = LeaderLock(database, key=KEY, name="test", application_name=app, log=log)
    terms, runs = [], []

    def jobs() -> list[Job]:
        term = len(terms)
        terms.append(term)
        return [Job("tick", 0.05, lambda: runs.append(term), "test.failed")]

    def events() -> list[str]:
        return [e["event"] for e in log.events]

    def script() -> None:
        wait_for(lambda: "test.lock_waiting" in events(), what="the second process to wait")
        assert runs == []  # waiting means waiting: no job runs while another session holds the lock
        holder.release()
        wait_for(lambda: runs, what="a run after taking the lock")
        # The lock's session dies (server restart, network): the runner notices, stops, waits, leads again.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (app,)
        )
        wait_for(lambda: 1 in runs, what="a run in the second term")

    stop = StopSignals()
    try:
        errors = _stop_after(stop, script)
        signals = run_periodic(jobs, log=log, leader=leader, lock_poll_s=0.1, stop=stop)
    finally:
        holder.release()
    if errors:
        raise errors[0]
    assert signals == ("SIGTERM",) and terms == [0, 1]
    lock_events = [e for e in events() if e.startswith("test.lock")]
    assert lock_events == [
        "test.lock_waiting",
        "test.lock_taken",
        "test.lock_lost",
        "test.lock_taken",
        "test.lock_released",
    ]
    waiting = next(e for e in log.events if e["event"] == "test.lock_waiting")
    assert isinstance(waiting["holder_pid"], int)
