"""Retention on a real TimescaleDB engine (core/retention.py): raw telemetry goes a whole chunk at a time with
drop_chunks, the continuous aggregate keeps its days, and the retention policy of migration 0003 follows the
setting. (Plain PostgreSQL and the outbox: tests/core/test_retention.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import structlog
from structlog.testing import CapturingLogger

from bench.synthetic import FleetShape, copy_telemetry, telemetry_rows
from core.db import query
from core.retention import apply_retention
from core.settings import RetentionSettings
from core.sql import REFRESH_DAILY_TIMESCALE

pytestmark = pytest.mark.timescale

ANCHOR = datetime(2026, 1, 15, tzinfo=UTC)
SHAPE = FleetShape(vehicles=3, days=10, end=ANCHOR, samples_per_day=4)
WINDOW = {"start": ANCHOR - timedelta(days=11), "end": ANCHOR}


def _drop_after(conn) -> str:
    return conn.execute(
        "SELECT config ->> 'drop_after' FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'"
        " AND hypertable_schema = current_schema() AND hypertable_name = 'telemetry'"
    ).fetchone()[0]


def test_tsdb_retention_drops_old_chunks_keeps_the_rollup_and_follows_the_setting(tsdb_migrated):
    settings = RetentionSettings(telemetry_days=30, messages_days=365)
    now = ANCHOR + timedelta(days=25)  # cutoff: ANCHOR - 5 days, a chunk boundary (1-day chunks at 00:00 UTC)
    with tsdb_migrated.connect() as conn:
        copy_telemetry(conn, rows=telemetry_rows(SHAPE))
        conn.execute(query(REFRESH_DAILY_TIMESCALE), WINDOW)
        rollup = conn.execute("SELECT * FROM telemetry_daily ORDER BY vehicle_id, day").fetchall()
        assert _drop_after(conn) == "400 days"  # migration 0003

        recorder = CapturingLogger()  # the log line, whatever another test configured globally
        log = structlog.wrap_logger(recorder, processors=[], wrapper_class=structlog.BoundLogger)
        report = apply_retention(conn, settings=settings, now=now, log=log)
        oldest = conn.execute("SELECT min(ts), count(*) FROM telemetry").fetchone()
        after = conn.execute("SELECT * FROM telemetry_daily ORDER BY vehicle_id, day").fetchall()
        drop_after = _drop_after(conn)
        again = apply_retention(conn, settings=settings, now=now, log=structlog.get_logger())

    assert (report.mode, report.telemetry_chunks, report.telemetry_rows, report.policy_changed) == (
        "timescale",
        5,
        0,
        True,
    )
    assert oldest[0] >= ANCHOR - timedelta(days=5)
    assert oldest[1] == SHAPE.vehicles * 5 * SHAPE.samples_per_day
    assert after == rollup and len(rollup) == SHAPE.vehicles * SHAPE.days  # the statistics stay
    assert drop_after == "30 days"  # the background policy drops at the same age
    assert (again.telemetry_chunks, again.policy_changed) == (0, False)
    lines = [c.kwargs for c in recorder.calls if c.kwargs["event"] == "retention.run"]
    assert len(lines) == 1 and lines[0]["telemetry_chunks"] == 5 and lines[0]["mode"] == "timescale"
