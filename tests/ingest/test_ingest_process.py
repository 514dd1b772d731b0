"""`python -m ingest` as a real process: a crash before commit loses nothing (acks come only after commit), and
SIGTERM shuts it down cleanly with exit code 0."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from core.db import connect
from tests.conftest import wait_for
from tests.ingest.conftest import payload, spawn_ingester, stamp

VIN = "LTEST00000000000P"


def spawn(settings, workdir: Path, name: str) -> tuple[subprocess.Popen, Path]:
    return spawn_ingester(settings, workdir, name)


def test_crash_before_commit_loses_nothing_and_sigterm_exits_cleanly(
    conn, database, add_vehicle, ingest_settings, publisher, tmp_path
):
    add_vehicle(VIN)
    first, _ = spawn(ingest_settings, tmp_path, "first")
    try:
        with connect(database) as blocker:  # the first process will hang in its INSERT, transaction open
            blocker.execute("LOCK TABLE telemetry IN EXCLUSIVE MODE")
            for hour in range(3):
                ts = stamp(60 * hour)
                publisher.send(VIN, payload(VIN, [{"ts": ts, "signals": {"Vehicle.Speed": float(hour)}}]))
            waiting = "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            wait_for(
                lambda: conn.execute(waiting).fetchone(), what="the first process blocked inside its write"
            )
            first.kill()  # a crash: had it acked before committing, these messages would now be gone
            first.wait(timeout=10)
            blocker.rollback()
    finally:
        first.kill()
    assert conn.execute("SELECT count(*) FROM telemetry").fetchone()[0] == 0

    second, log = spawn(ingest_settings, tmp_path, "second")  # same client id: the broker redelivers
    try:
        wait_for(
            lambda: conn.execute("SELECT count(*) FROM telemetry").fetchone()[0] == 3,
            what="redelivered rows stored",
        )
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0
    finally:
        second.kill()
    assert conn.execute("SELECT array_agg(speed_kmh ORDER BY ts) FROM telemetry").fetchone()[0] == [
        0.0,
        1.0,
        2.0,
    ]
    assert '"event": "ingest_stopped"' in log.read_text()
