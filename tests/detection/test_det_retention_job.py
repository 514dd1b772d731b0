"""The retention job runs in detection's leader: a real scheduled `python -m detection` deletes raw telemetry past
CARECAST_RETENTION__TELEMETRY_DAYS at start and logs one `retention.run` line; a second process waiting for the
lock runs none (core/retention.py, docs/privacy.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import ROOT, wait_for

NOW = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)


def _start(database, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARECAST_")}
    env |= {
        "CARECAST_DATABASE__URL": database.url, "CARECAST_LOG__FORMAT": "json",
        "CARECAST_DETECTION__INTERVAL_S": "3600", "CARECAST_DETECTION__LOCK_POLL_S": "0.2",
        "CARECAST_RETENTION__TELEMETRY_DAYS": "30",
    }  # fmt: skip
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "detection", "--now", NOW.isoformat()], cwd=ROOT, env=env, stderr=out
        )


def _events(log: Path, name: str) -> list[dict]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [e for e in lines if e["event"] == name]


def test_det_retention_job_runs_in_the_leader_only(database, conn, tmp_path) -> None:
    customer = conn.execute(
        "INSERT INTO customer (name, locale, tz, segment) VALUES ('x', 'en', 'Asia/Shanghai', 'family') RETURNING id"
    ).fetchone()[0]
    vehicle = conn.execute(
        "INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region) "
        "VALUES ('LGWEF4A59NH000123', %s, 'H6', 2020, 'ICE', 'harbin') RETURNING id",
        (customer,),
    ).fetchone()[0]
    for age in (31, 29):
        conn.execute(
            "INSERT INTO telemetry (vehicle_id, ts, lv_voltage_v) VALUES (%s, %s, 12.5)",
            (vehicle, NOW - timedelta(days=age)),
        )
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _start(database, first_log)
    second = None
    try:
        wait_for(lambda: _events(first_log, "retention.run"), timeout=60, what="the leader's retention run")
        second = _start(database, second_log)
        wait_for(lambda: _events(second_log, "detection.lock_waiting") or second.poll() is not None, timeout=30,
                 what="the second process to wait for the lock")  # fmt: skip
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    (run,) = _events(first_log, "retention.run")
    assert (run["mode"], run["telemetry_rows"], run["telemetry_days"]) == ("postgres", 1, 30)
    assert conn.execute("SELECT count(*) FROM telemetry").fetchone()[0] == 1
    assert _events(second_log, "retention.run") == []
