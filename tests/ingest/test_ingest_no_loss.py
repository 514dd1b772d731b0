"""No loss, no duplicates: each test publishes a known set of samples, breaks something mid-drain (ingester
killed or stopped, broker restarted, database unreachable, one of two shared-subscription ingesters killed) and
checks that the telemetry table then holds every sample exactly once."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg

from core.db import connect
from core.settings import MqttSettings
from tests.conftest import ADMIN_URL, ROOT, start_mosquitto, wait_for
from tests.ingest.conftest import RECENT, Publisher, payload, spawn_ingester

VINS = ["LTEST0000000000N1", "LTEST0000000000N2", "LTEST0000000000N3"]
SAMPLES_PER_MESSAGE = 5


def messages(count: int, *, first: int = 0) -> list[tuple[str, bytes]]:
    """`count` messages round-robin over VINS, each with SAMPLES_PER_MESSAGE samples at distinct seconds."""
    out = []
    for n in range(first, first + count):
        second = (n // len(VINS)) * SAMPLES_PER_MESSAGE
        samples = [
            {
                "ts": (RECENT + timedelta(seconds=second + i)).isoformat(),
                "signals": {"Vehicle.Speed": float(n), "Vehicle.TraveledDistance": n},
            }
            for i in range(SAMPLES_PER_MESSAGE)
        ]
        out.append((VINS[n % len(VINS)], payload(VINS[n % len(VINS)], samples)))
    return out


def rows(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) FROM telemetry").fetchone()[0]


def assert_exactly_once(conn: psycopg.Connection, published: int) -> None:
    """Every published sample is in the table once (the unique key makes a second copy impossible, so also
    compare with the distinct (vehicle, ts) pairs that were published)."""
    total, distinct, speeds = conn.execute(
        "SELECT count(*), count(DISTINCT (vehicle_id, ts)), count(DISTINCT speed_kmh) FROM telemetry"
    ).fetchone()
    assert (total, distinct, speeds) == (published * SAMPLES_PER_MESSAGE, total, published)


def restart_mosquitto(workdir: Path, port: int) -> subprocess.Popen:
    """Start the broker of `workdir` again (same config, port and persistence directory)."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with open(workdir / "log-restarted", "wb") as log:
        proc = subprocess.Popen([binary, "-c", str(workdir / "mosquitto.conf")], stdout=log, stderr=log)

    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_for(listening, timeout=10, what="the restarted broker")
    return proc


def register(add_vehicle) -> None:
    for vin in VINS:
        add_vehicle(vin)


def test_sigkill_and_sigterm_mid_drain_lose_nothing(conn, add_vehicle, ingest_settings, publisher, tmp_path):
    register(add_vehicle)
    settings = ingest_settings.tuned(batch_rows=200)  # many small batches: a kill lands between commits
    total = 3000
    procs = []
    try:
        first, _ = spawn_ingester(settings, tmp_path, "first")
        procs.append(first)
        first.send_signal(signal.SIGSTOP)  # the broker queues for the stalled session
        publisher.send_many(messages(total))
        first.send_signal(signal.SIGCONT)
        wait_for(lambda: rows(conn) > 0, what="the drain to start")
        first.kill()  # SIGKILL mid-drain: committed-but-unacked batches come again, uncommitted ones too
        first.wait(timeout=10)
        assert rows(conn) < total * SAMPLES_PER_MESSAGE, "drained before the kill; the test proves nothing"

        second, log = spawn_ingester(
            settings, tmp_path, "second"
        )  # same client id: the session is still there
        procs.append(second)
        wait_for(lambda: '"event": "batch"' in log.read_text(), what="the second drain")
        second.send_signal(signal.SIGTERM)  # graceful: commits and acks what it holds, then exits 0
        assert second.wait(timeout=30) == 0
        assert '"event": "ingest_stopped"' in log.read_text()
        assert "batch_abandoned_unacked" not in log.read_text()

        third, log = spawn_ingester(settings, tmp_path, "third")
        procs.append(third)
        wait_for(lambda: rows(conn) == total * SAMPLES_PER_MESSAGE, timeout=60, what="everything stored")
        third.send_signal(signal.SIGTERM)
        assert third.wait(timeout=30) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    assert_exactly_once(conn, total)


def test_broker_restart_mid_stream_loses_nothing(conn, database, add_vehicle, ingest_settings, tmp_path,
                                                  start_ingester):  # fmt: skip
    register(add_vehicle)
    workdir = tmp_path / "broker"
    proc, port = start_mosquitto(ROOT / "tests" / "ingest" / "mosquitto-persistent.conf", workdir)
    mqtt = MqttSettings(host="127.0.0.1", port=port, topic_root=f"t{uuid.uuid4().hex[:8]}/dt/carecast")
    try:
        ingester = start_ingester(ingest_settings.model_copy(update={"mqtt": mqtt}))
        pub = Publisher(mqtt)
        with connect(
            database
        ) as blocker:  # the writer hangs inside its transaction: everything stays unacked
            blocker.execute("LOCK TABLE telemetry IN EXCLUSIVE MODE")
            pub.send_many(messages(300))
            pub.close()
            wait_for(lambda: ingester.counters.received >= 100, what="messages in flight to the ingester")
            proc.terminate()  # persistence: the session and its unacked messages are saved on the way down
            assert proc.wait(timeout=10) == 0
            blocker.rollback()
        proc = restart_mosquitto(workdir, port)
        pub = Publisher(mqtt)
        pub.send_many(messages(300, first=300))
        pub.close()
        wait_for(lambda: rows(conn) == 600 * SAMPLES_PER_MESSAGE, timeout=60, what="everything stored")
        assert_exactly_once(conn, 600)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_database_unreachable_for_a_while_is_waited_out(
    conn, database, add_vehicle, ingest_settings, start_ingester, publisher
):
    register(add_vehicle)
    ingester = start_ingester(ingest_settings)
    publisher.send_many(messages(30))
    wait_for(lambda: ingester.counters.acked == 30, what="the first messages")
    name = conn.info.dbname
    admin = psycopg.connect(ADMIN_URL, autocommit=True)
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
        (name, conn.info.backend_pid),
    )
    try:
        publisher.send_many(messages(60, first=30))
        # Refused connections, retried with backoff; nothing of the new messages is acked meanwhile.
        wait_for(lambda: ingester.counters.db_errors >= 3, what="several failed attempts")
        assert ingester.counters.acked == 30
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()
    wait_for(lambda: ingester.counters.acked == 90, timeout=30, what="the catch-up")
    assert_exactly_once(conn, 90)
    assert ingester.metrics.registry.get_sample_value("carecast_ingest_db_errors_total") >= 3


def test_two_ingesters_on_a_shared_subscription_one_killed(
    conn, add_vehicle, ingest_settings, publisher, tmp_path
):
    register(add_vehicle)
    shared = "$share/carecast/" + ingest_settings.subscription_filter()
    one = ingest_settings.tuned(
        client_id=f"shared-1-{uuid.uuid4().hex[:6]}", subscription=shared, batch_rows=200
    )
    two = ingest_settings.tuned(
        client_id=f"shared-2-{uuid.uuid4().hex[:6]}", subscription=shared, batch_rows=200
    )
    first, first_log = spawn_ingester(one, tmp_path, "one")
    second, second_log = spawn_ingester(two, tmp_path, "two")
    total = 2000
    try:
        publisher.send_many(messages(total))
        wait_for(lambda: '"event": "batch"' in first_log.read_text(), what="the first ingester to write")
        first.kill()
        first.wait(timeout=10)
        # Mosquitto keeps what it had sent or queued for the killed member in that member's session: the other
        # member drains its share, the killed one's share arrives when it comes back with the same client id.
        again, _ = spawn_ingester(one, tmp_path, "one-again")
        wait_for(lambda: rows(conn) == total * SAMPLES_PER_MESSAGE, timeout=60, what="everything stored")
        assert '"event": "batch"' in second_log.read_text()  # both shared the load
        for proc in (again, second):
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
    finally:
        for proc in (first, second, *([again] if "again" in locals() else [])):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
    assert_exactly_once(conn, total)
