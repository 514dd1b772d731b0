"""Retention of ingest_reject: rows older than the setting are deleted by the ingester, newer ones kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.db import connect
from ingest.retention import prune_rejects
from tests.conftest import free_port, wait_for


def _reject(conn, age: timedelta, n: int = 1) -> None:
    conn.execute(
        "INSERT INTO ingest_reject (received_at, topic, reason, dedup_key)"
        " SELECT now() - %s, 'dt/carecast/x/telemetry', 'bad_topic', gen_random_uuid()::text::bytea"
        " FROM generate_series(1, %s)",
        (age, n),
    )


def _ages(conn) -> list[int]:
    return [
        d
        for (d,) in conn.execute(
            "SELECT extract(day FROM now() - received_at)::int FROM ingest_reject ORDER BY 1"
        )
    ]


def test_prune_deletes_only_rows_older_than_the_cutoff_in_slices(conn, database):
    _reject(conn, timedelta(days=40), 7)
    _reject(conn, timedelta(days=2), 2)
    with connect(database, autocommit=True) as c:
        assert prune_rejects(c, cutoff=datetime.now(UTC) - timedelta(days=30), slice_rows=3) == 7
    assert _ages(conn) == [2, 2]


def test_prune_refuses_a_connection_in_a_transaction(database):
    with connect(database) as c, pytest.raises(ValueError, match="autocommit"):
        prune_rejects(c, cutoff=datetime.now(UTC))


def test_the_ingester_prunes_at_start_by_its_setting(conn, ingest_settings, start_ingester):
    _reject(conn, timedelta(days=11))
    _reject(conn, timedelta(days=9))
    start_ingester(ingest_settings.tuned(reject_retention_days=10))
    wait_for(lambda: _ages(conn) == [9], timeout=20, what="the 11-day-old reject pruned")


def test_retention_zero_keeps_every_reject(conn, ingest_settings, start_ingester, publisher):
    _reject(conn, timedelta(days=900))
    ingester = start_ingester(ingest_settings.tuned(reject_retention_days=0))
    publisher.send("LTEST00000000000Z", b"not json")  # a full round trip through the ingester
    wait_for(lambda: ingester.counters.acked == 1, timeout=20, what="the message acked")
    assert _ages(conn)[-1] == 900


def test_metrics_listen_on_loopback_unless_opened(ingest_settings, start_ingester):
    """Ingest's /metrics once bound every interface by default."""
    port = free_port()
    ingester = start_ingester(ingest_settings.tuned(metrics_port=port))
    assert ingester.metrics.address == ("127.0.0.1", port)
