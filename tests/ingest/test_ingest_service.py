"""End-to-end tests of the Ingester with the private broker and a real database (in-process, writer thread)."""

from __future__ import annotations

from datetime import timedelta

import psycopg

from core.db import connect
from tests.conftest import wait_for
from tests.ingest.conftest import RECENT, payload, stamp

VIN_A = "LTEST00000000000A"
VIN_B = "LTEST00000000000B"
UNKNOWN = "LTEST00000000000Z"
BASE = RECENT


def samples(first_minute: int, count: int) -> list[dict]:
    return [
        {
            "ts": (BASE + timedelta(minutes=first_minute + i)).isoformat(),
            "signals": {"Vehicle.Speed": float(first_minute + i), "Vehicle.Exterior.AirTemperature": -5.0},
        }
        for i in range(count)
    ]


def count(conn: psycopg.Connection, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


def stored(conn: psycopg.Connection) -> list[tuple[int, float]]:
    return conn.execute("SELECT vehicle_id, speed_kmh FROM telemetry ORDER BY vehicle_id, ts").fetchall()


def test_every_good_sample_is_stored_once_and_rejects_are_recorded(
    conn, add_vehicle, ingest_settings, start_ingester, publisher
):
    a, b = add_vehicle(VIN_A), add_vehicle(VIN_B)
    ingester = start_ingester(ingest_settings)
    root = ingest_settings.mqtt.topic_root
    first = payload(VIN_A, samples(0, 10))
    publisher.send(VIN_A, first)
    publisher.send(VIN_B, payload(VIN_B, samples(0, 25)))
    publisher.send(VIN_A, b'{"v": 1, "vin": "' + VIN_A.encode() + b'", "samples": [')  # malformed
    publisher.send(VIN_A, first)  # the car re-sends a message it got no PUBACK for
    publisher.send(VIN_A, payload(VIN_A, samples(5, 10)))  # overlaps minutes 5..9: first write wins
    bad_sample = [*samples(100, 1), {"ts": stamp(720)[:19], "signals": {"Vehicle.Speed": 1}}]
    publisher.send(VIN_B, payload(VIN_B, bad_sample))
    publisher.send(UNKNOWN, payload(UNKNOWN, samples(0, 3)))
    publisher.send(VIN_A, payload(VIN_A, samples(0, 1)), topic=f"{root}/not-a-vin/telemetry")
    published = 8

    wait_for(lambda: ingester.counters.acked == published, timeout=20, what="all messages acked")
    expected = sorted([(a, float(m)) for m in range(15)] + [(b, float(m)) for m in [*range(25), 100]])
    assert stored(conn) == expected
    reasons = conn.execute("SELECT reason, vin FROM ingest_reject ORDER BY reason").fetchall()
    assert reasons == [
        ("bad_topic", None),
        ("invalid_json", VIN_A),
        ("ts_no_offset", VIN_B),
        ("unknown_vehicle", UNKNOWN),
    ]
    c = ingester.counters
    assert (c.received, c.messages, c.inserted, c.duplicates, c.rejects, c.db_errors) == (8, 8, 41, 15, 4, 0)


def test_two_writers_store_overlapping_resends_once_and_ack_everything(
    conn, add_vehicle, ingest_settings, start_ingester, publisher
):
    # One message per batch, two writer connections: neighbouring batches are written concurrently, and each
    # message repeats four samples of the one before (first in rising, then in falling order), so concurrent
    # transactions insert the same keys, in opposite orders too.
    a = add_vehicle(VIN_A)
    ingester = start_ingester(ingest_settings.tuned(batch_rows=1, writers=2))
    messages = [samples(m, 5) for m in range(60)] + [samples(m, 5)[::-1] for m in range(59, -1, -1)]
    for batch in messages:
        publisher.send(VIN_A, payload(VIN_A, batch))

    wait_for(lambda: ingester.counters.acked == len(messages), timeout=60, what="all messages acked")
    assert stored(conn) == [(a, float(m)) for m in range(64)]
    c = ingester.counters
    assert (c.messages, c.batches, c.inserted, c.inserted + c.duplicates) == (120, 120, 64, 600)


def test_stop_flushes_commits_and_acks_the_open_batch(
    conn, add_vehicle, ingest_settings, start_ingester, publisher
):
    add_vehicle(VIN_A)
    # A batch that would stay open for a minute: only the stop can close it.
    ingester = start_ingester(ingest_settings.tuned(batch_ms=60_000))
    for minute in range(3):
        publisher.send(VIN_A, payload(VIN_A, samples(minute, 1)))
    wait_for(lambda: ingester.counters.received == 3, what="messages received")
    assert count(conn, "SELECT count(*) FROM telemetry") == 0
    assert ingester.stop(timeout=15)
    assert count(conn, "SELECT count(*) FROM telemetry") == 3
    assert (ingester.counters.acked, ingester.abandoned) == (3, False)


def test_database_outage_is_retried_until_the_batch_commits(
    conn, database, add_vehicle, ingest_settings, start_ingester, publisher
):
    add_vehicle(VIN_A)
    ingester = start_ingester(ingest_settings)
    with connect(database) as blocker:  # holds a lock so the ingester's INSERT waits inside its transaction
        blocker.execute("LOCK TABLE telemetry IN EXCLUSIVE MODE")
        publisher.send(VIN_A, payload(VIN_A, samples(0, 20)))
        publisher.send(VIN_A, payload(VIN_A, samples(20, 20)))
        waiting = (
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        pid = wait_for(lambda: conn.execute(waiting).fetchone(), what="ingester waiting on the lock")[0]
        assert ingester.counters.acked == 0  # nothing is acked while the batch is not committed
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        wait_for(lambda: ingester.counters.db_errors >= 1, what="the failure to be seen")
        blocker.rollback()
    wait_for(lambda: ingester.counters.acked == 2, what="the retried batch to commit")
    assert count(conn, "SELECT count(*) FROM telemetry") == 40
    assert count(conn, "SELECT count(DISTINCT ts) FROM telemetry") == 40


def test_a_message_the_database_refuses_is_rejected_alone(
    conn, add_vehicle, ingest_settings, start_ingester, publisher
):
    add_vehicle(VIN_A)
    conn.execute("ALTER TABLE telemetry ADD CONSTRAINT test_speed_limit CHECK (speed_kmh < 500)")
    refused = payload(VIN_A, [{"ts": stamp(360), "signals": {"Vehicle.Speed": 900.0}}])
    ingester = start_ingester(ingest_settings.tuned(batch_ms=60_000))
    publisher.send(VIN_A, payload(VIN_A, samples(0, 5)))
    publisher.send(VIN_A, refused)
    publisher.send(VIN_A, payload(VIN_A, samples(5, 5)))
    wait_for(lambda: ingester.counters.received == 3, what="messages received")
    assert ingester.stop(timeout=15)  # flushes the three as one batch
    assert count(conn, "SELECT count(*) FROM telemetry") == 10
    rejects = conn.execute("SELECT reason, payload FROM ingest_reject").fetchall()
    assert [(r, bytes(p)) for r, p in rejects] == [("db_rejected", refused)]
    assert ingester.counters.acked == 3


def test_a_redelivered_message_records_its_rejects_once(
    conn, add_vehicle, ingest_settings, start_ingester, publisher
):
    add_vehicle(VIN_A)
    bad_and_good = payload(VIN_A, [*samples(0, 2), {"ts": stamp(5)[:19], "signals": {"Vehicle.Speed": 1.0}}])
    malformed = b'{"v": 1, "vin": "' + VIN_A.encode() + b'", "samples": ['
    first = start_ingester(ingest_settings)
    # The crash window of the ack protocol: the batch commits, the ingester dies before its PUBACKs leave.
    first._subscriber.ack_all = lambda messages: None
    publisher.send(VIN_A, bad_and_good)
    publisher.send(VIN_A, malformed)
    wait_for(lambda: first.counters.messages == 2, what="the batch committed")
    assert first.stop(timeout=15)
    assert count(conn, "SELECT count(*) FROM ingest_reject") == 2

    # Same client id: the broker delivers both unacked messages again, and this time they are acked.
    second = start_ingester(ingest_settings)
    wait_for(lambda: second.counters.acked == 2, what="the redelivered messages acked")
    c = second.counters
    assert (c.inserted, c.duplicates, c.rejects, c.reject_duplicates) == (0, 2, 0, 2)
    rejects = conn.execute("SELECT reason, sample_index FROM ingest_reject ORDER BY reason").fetchall()
    assert rejects == [("invalid_json", None), ("ts_no_offset", 2)]
    assert count(conn, "SELECT count(*) FROM telemetry") == 2

    # A different bad message on the same topic is still recorded.
    publisher.send(VIN_A, malformed + b" ")
    wait_for(lambda: second.counters.acked == 3, what="the new message acked")
    assert count(conn, "SELECT count(*) FROM ingest_reject WHERE reason = 'invalid_json'") == 2


def test_a_retained_telemetry_message_is_not_replayed_into_a_new_ingester(
    conn, add_vehicle, ingest_settings, start_ingester, publisher
):
    """A car publishing with retain=1 must not have every new subscriber ingest that message again."""
    add_vehicle(VIN_A)
    root = ingest_settings.mqtt.topic_root
    retained = publisher.client.publish(
        f"{root}/{VIN_A}/telemetry", payload(VIN_A, samples(0, 3)), qos=1, retain=True
    )
    retained.wait_for_publish(timeout=10)
    ingester = start_ingester(ingest_settings)  # a new session: the broker holds the retained message
    publisher.send(VIN_A, payload(VIN_A, samples(10, 1)))  # a live marker after the subscription
    wait_for(lambda: ingester.counters.acked >= 1, timeout=20, what="the live marker acked")
    assert count(conn, "SELECT count(*) FROM telemetry") == 1
    assert ingester.counters.received == 1  # the retained message was never delivered
    publisher.client.publish(f"{root}/{VIN_A}/telemetry", b"", qos=1, retain=True).wait_for_publish(10)
