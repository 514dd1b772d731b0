"""One scheduler at a time: two real `python -m detection` processes share the advisory lock; the second waits and
takes over when the first is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from tests.conftest import ROOT, wait_for

NOW = "2026-01-20T09:00:00Z"


def _start(database, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARECAST_")}
    env |= {
        "CARECAST_DATABASE__URL": database.url, "CARECAST_LOG__FORMAT": "json",
        "CARECAST_DETECTION__INTERVAL_S": "3600", "CARECAST_DETECTION__LOCK_POLL_S": "0.2",
    }  # fmt: skip
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "detection", "--now", NOW], cwd=ROOT, env=env, stderr=out
        )


def _events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def _names(log: Path) -> list[str]:
    return [e["event"] for e in _events(log)]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_second_scheduler_waits_and_takes_over_when_the_first_is_killed(
    database, conn, fleet, days_until, tmp_path
):
    car = fleet.vehicle()
    fleet.days(
        car,
        days_until(datetime(2026, 1, 20).date(), 20),
        wear=88,
        odometer_m=lambda i: 9_000_000 + 30_000 * i,
    )
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _start(database, first_log)
    second = None
    try:
        wait_for(lambda: "detection.pass" in _names(first_log), timeout=60, what="the first scheduler's pass")
        second = _start(database, second_log)
        wait_for(
            lambda: "detection.lock_waiting" in _names(second_log), timeout=60, what="the second to wait"
        )
        waiting = next(e for e in _events(second_log) if e["event"] == "detection.lock_waiting")
        holder = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'carecast-detect-lock'"
            " AND datname = current_database()"
        ).fetchall()
        assert waiting["holder_pid"] in {pid for (pid,) in holder} and "detection.lock_taken" in _names(
            first_log
        )
        assert conn.execute("SELECT count(*) FROM risk WHERE status = 'open'").fetchone()[0] == 1
        # Waiting means waiting: the second one runs no pass while the first holds the lock.
        conn.execute("DELETE FROM risk")
        assert "detection.pass" not in _names(second_log)

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        wait_for(lambda: "detection.pass" in _names(second_log), timeout=60, what="the second to take over")
        assert _names(second_log).index("detection.lock_taken") < _names(second_log).index("detection.pass")
        assert conn.execute("SELECT count(*) FROM risk WHERE status = 'open'").fetchone()[0] == 1

        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
        assert _names(second_log)[-2:] == ["detection.lock_released", "detection.stopped"]
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
