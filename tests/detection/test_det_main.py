"""``python -m detection`` as a process: one pass with --once, and the scheduler running until SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from core.cli_args import parse_instant
from tests.conftest import ROOT, wait_for

NOW = "2026-01-20T09:00:00Z"


def _env(database, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARECAST_")}
    return env | {"CARECAST_DATABASE__URL": database.url, "CARECAST_LOG__FORMAT": "json"} | extra


def _seed(fleet, days_until) -> tuple[int, int]:
    worn, cold = fleet.vehicle(), fleet.vehicle(region="urumqi")
    days = days_until(datetime(2026, 1, 20).date(), 20)
    fleet.days(worn, days, wear=88, odometer_m=lambda i: 9_000_000 + 30_000 * i)
    fleet.days(cold, days, temp=-3.0, wear=10, odometer_m=lambda i: 3_000_000 + 30_000 * i)
    return worn, cold


def test_once_runs_one_full_pass_and_logs_one_line(database, conn, fleet, days_until):
    worn, cold = _seed(fleet, days_until)
    proc = subprocess.run(
        [sys.executable, "-m", "detection", "--once", "--now", NOW],
        cwd=ROOT, env=_env(database), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    passes = [line for line in lines if line["event"] == "detection.pass"]
    assert len(passes) == 1
    assert passes[0]["now"] == "2026-01-20T09:00:00+00:00" and passes[0]["refresh_days"] == 365
    assert passes[0]["brake_pads"]["opened"] == 1 and passes[0]["winter_prep"]["opened"] == 1
    risks = conn.execute("SELECT vehicle_id, kind, first_seen_at FROM risk ORDER BY vehicle_id").fetchall()
    assert risks == [(worn, "brake_pads", parse_instant(NOW)), (cold, "winter_prep", parse_instant(NOW))]


def test_rule_overrides_come_from_the_environment(database, conn, fleet, days_until):
    _seed(fleet, days_until)
    env = _env(database, CARECAST_DETECTION__RULES__BRAKES__LIMIT_PCT="95",
               CARECAST_DETECTION__RULES__SEASONAL__THRESHOLD_C="-5")  # fmt: skip
    proc = subprocess.run([sys.executable, "-m", "detection", "--once", "--now", NOW], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert conn.execute("SELECT count(*) FROM risk").fetchone()[0] == 0
    env["CARECAST_DETECTION__RULES__BRAKES__LIMIT"] = "95"
    proc = subprocess.run([sys.executable, "-m", "detection", "--once"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 2 and "rule brakes has no parameter(s) ['limit']" in proc.stderr


def test_scheduler_runs_a_pass_at_start_and_stops_on_sigterm(database, conn, fleet, days_until):
    _seed(fleet, days_until)
    proc = subprocess.Popen(
        [sys.executable, "-m", "detection", "--now", NOW], cwd=ROOT,
        env=_env(database, CARECAST_DETECTION__INTERVAL_S="3600"), stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: conn.execute("SELECT count(*) FROM risk").fetchone()[0] == 2, timeout=60,
                 what="the first scheduled pass")  # fmt: skip
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    events = [json.loads(line)["event"] for line in proc.stderr.read().splitlines() if line.startswith("{")]
    assert events.count("detection.pass") == 1 and "detection.scheduled" in events


@pytest.mark.parametrize("signals", [(signal.SIGTERM, signal.SIGTERM), (signal.SIGINT, signal.SIGTERM)])
def test_a_repeated_stop_signal_exits_cleanly(database, conn, fleet, days_until, signals):
    _seed(fleet, days_until)
    proc = subprocess.Popen(
        [sys.executable, "-m", "detection", "--now", NOW], cwd=ROOT,
        env=_env(database, CARECAST_DETECTION__INTERVAL_S="3600"), stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: conn.execute("SELECT count(*) FROM risk").fetchone()[0] == 2, timeout=60,
                 what="the first scheduled pass")  # fmt: skip
        for sig in signals:
            proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read()
    assert "Traceback" not in stderr and "SchedulerNotRunningError" not in stderr, stderr
    stopped = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")][-1]
    # Two signals sent back to back may be handled in either order, and two equal ones may be coalesced.
    received = stopped["signals"].split(",")
    assert stopped["event"] == "detection.stopped" and received and set(received) <= {s.name for s in signals}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-20T09:00:00Z", datetime(2026, 1, 20, 9, tzinfo=UTC)),
        ("2026-01-20T17:00:00+08:00", datetime(2026, 1, 20, 9, tzinfo=UTC)),
        ("2026-01-20", datetime(2026, 1, 20, tzinfo=UTC)),
    ],
)
def test_parse_instant(text, expected):
    assert parse_instant(text) == expected
    assert parse_instant(text).utcoffset() is not None


def test_a_now_that_is_not_iso_8601_is_refused():
    proc = subprocess.run([sys.executable, "-m", "detection", "--once", "--now", "yesterday"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 2 and "not an ISO 8601 time: 'yesterday'" in proc.stderr
