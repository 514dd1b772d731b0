"""Compression, late data into compressed chunks, and the policies run by hand on a real TimescaleDB engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bench.synthetic import FleetShape, copy_telemetry, telemetry_rows
from core.db import query
from core.sql import REFRESH_DAILY_TIMESCALE

pytestmark = pytest.mark.timescale

ANCHOR = datetime(2026, 1, 15, tzinfo=UTC)
SHAPE = FleetShape(vehicles=5, days=10, end=ANCHOR, samples_per_day=8)
WINDOW = {"start": ANCHOR - timedelta(days=10), "end": ANCHOR}


def _chunks(conn) -> dict[datetime, bool]:
    rows = conn.execute(
        "SELECT range_start, is_compressed FROM timescaledb_information.chunks"
        " WHERE hypertable_schema = current_schema() AND hypertable_name = 'telemetry'"
    ).fetchall()
    return dict(rows)


def test_compressed_chunks_read_the_same(tsdb_migrated):
    cutoff = ANCHOR - timedelta(days=3)
    with tsdb_migrated.connect() as conn:
        copy_telemetry(conn, rows=telemetry_rows(SHAPE))
        before = conn.execute("SELECT * FROM telemetry ORDER BY vehicle_id, ts").fetchall()
        one_vehicle = (
            "SELECT ts, lv_voltage_v, odometer_m FROM telemetry WHERE vehicle_id = 3 AND ts < %s ORDER BY ts"
        )
        before_one = conn.execute(one_vehicle, (cutoff,)).fetchall()
        conn.execute(query(REFRESH_DAILY_TIMESCALE), WINDOW)
        rollup_before = conn.execute("SELECT * FROM telemetry_daily ORDER BY vehicle_id, day").fetchall()

        compressed = conn.execute(
            "SELECT compress_chunk(c) FROM show_chunks('telemetry', older_than => %s::timestamptz) AS c",
            (cutoff,),
        ).fetchall()
        chunks = _chunks(conn)
        after = conn.execute("SELECT * FROM telemetry ORDER BY vehicle_id, ts").fetchall()
        after_one = conn.execute(one_vehicle, (cutoff,)).fetchall()
        conn.execute("TRUNCATE telemetry_daily")  # rebuild the rollup from the compressed chunks
        conn.execute(query(REFRESH_DAILY_TIMESCALE), WINDOW)
        rollup_after = conn.execute("SELECT * FROM telemetry_daily ORDER BY vehicle_id, day").fetchall()

    assert len(compressed) == 7
    assert chunks == {ANCHOR - timedelta(days=10 - d): d < 7 for d in range(10)}
    assert len(before) == SHAPE.rows and len(before_one) == 7 * SHAPE.samples_per_day
    assert after == before
    assert after_one == before_one
    assert len(rollup_before) == SHAPE.vehicles * SHAPE.days
    assert rollup_after == rollup_before


def test_late_rows_land_in_a_compressed_chunk_once(tsdb_migrated):
    # The ingest write path: binary COPY into a per-connection staging table, then INSERT … ON CONFLICT DO NOTHING.
    rows = list(telemetry_rows(SHAPE))
    stored = rows[10]
    duplicate = (stored[0], stored[1], 9.1, *stored[3:])  # redelivered with another value: first write wins
    late = (stored[0], stored[1] + timedelta(minutes=1), 12.4, *stored[3:])
    with tsdb_migrated.connect() as conn:
        copy_telemetry(conn, rows=rows)
        conn.execute("SELECT compress_chunk(c) FROM show_chunks('telemetry') AS c")
        assert all(_chunks(conn).values())
        with conn.transaction():
            conn.execute(
                "CREATE TEMP TABLE staging (LIKE telemetry INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            copy_telemetry(conn, rows=[duplicate, late], table="staging")
            inserted = conn.execute(
                "INSERT INTO telemetry SELECT * FROM staging ON CONFLICT (vehicle_id, ts) DO NOTHING"
            ).rowcount
        voltages = conn.execute(
            "SELECT ts, lv_voltage_v FROM telemetry WHERE vehicle_id = %s AND ts IN (%s, %s) ORDER BY ts",
            (stored[0], stored[1], late[1]),
        ).fetchall()
        total = conn.execute("SELECT count(*) FROM telemetry").fetchone()[0]
    assert inserted == 1
    assert [(ts, round(v, 2)) for ts, v in voltages] == [(stored[1], round(stored[2], 2)), (late[1], 12.4)]
    assert total == len(rows) + 1


def _run_job(conn, proc: str) -> None:
    job = conn.execute(
        "SELECT job_id FROM timescaledb_information.jobs WHERE hypertable_schema = current_schema()"
        " AND proc_name = %s",
        (proc,),
    ).fetchone()[0]
    conn.execute("CALL run_job(%s)", (job,))


def test_policies_compress_drop_and_refresh_when_run(tsdb_migrated):
    # Background workers never run on this engine: run each policy's job by hand, against the real clock.
    with tsdb_migrated.connect() as conn:
        now = conn.execute("SELECT now()").fetchone()[0]
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        recent = FleetShape(vehicles=2, days=12, end=today, samples_per_day=4)
        ancient = FleetShape(vehicles=2, days=1, end=today - timedelta(days=500), samples_per_day=4)
        copy_telemetry(conn, rows=[*telemetry_rows(recent), *telemetry_rows(ancient)])

        _run_job(conn, "policy_retention")
        oldest = conn.execute("SELECT min(ts) FROM telemetry").fetchone()[0]
        _run_job(conn, "policy_compression")
        chunks = _chunks(conn)
        _run_job(conn, "policy_refresh_continuous_aggregate")
        days = {r[0] for r in conn.execute("SELECT DISTINCT day FROM telemetry_daily")}

    assert oldest >= today - timedelta(days=12)  # the 500-day-old chunk is gone (retention: 400 days)
    assert len(chunks) == 12
    assert chunks == {start: start + timedelta(days=1) <= now - timedelta(days=7) for start in chunks}
    assert any(chunks.values()) and not all(chunks.values())
    # Refresh policy: whole buckets inside [now - 30 days, now - 1 hour]. A bucket is a fleet day (migration 0021):
    # the one labelled D runs from D - 3 h to D + 21 h (05:00 to 05:00 China time) and holds that UTC day's samples.
    assert days == {start for start in chunks if start + timedelta(hours=21) <= now - timedelta(hours=1)}
