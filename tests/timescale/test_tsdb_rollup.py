"""The continuous aggregate on real TimescaleDB gives the same daily rollup as the plain-PostgreSQL refresh."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from bench.synthetic import FleetShape, copy_telemetry, telemetry_rows
from core.db import query
from core.sql import REFRESH_DAILY_POSTGRES, REFRESH_DAILY_TIMESCALE

pytestmark = pytest.mark.timescale

# A fixed past week, so that no policy horizon (7-day compression, 400-day retention) depends on today.
ANCHOR = datetime(2026, 1, 15, tzinfo=UTC)
SHAPE = FleetShape(vehicles=4, days=10, end=ANCHOR, samples_per_day=6)
# Starts mid-day (the whole first day is rebuilt) and ends after the last sample, as the detection job's `now`.
WINDOW = {"start": ANCHOR - timedelta(days=8) + timedelta(hours=13), "end": ANCHOR - timedelta(hours=1)}

# Late data and a withdrawn day, applied identically on both engines before a second refresh.
LATE = [
    "INSERT INTO telemetry (vehicle_id, ts, lv_voltage_v, lv_current_a, speed_kmh, air_temp_c)"
    " VALUES (2, '2026-01-10 23:30:00+00', 11.8, 0.2, 0, -3.5)",
    "DELETE FROM telemetry WHERE vehicle_id = 3 AND ts >= '2026-01-12' AND ts < '2026-01-13'",
]


Rollup = tuple[list[str], list[tuple]]


def _rollup(conn) -> Rollup:
    cur = conn.execute("SELECT * FROM telemetry_daily ORDER BY vehicle_id, day")
    return [c.name for c in cur.description], cur.fetchall()


def _assert_same_rollup(timescale: Rollup, postgres: Rollup) -> None:
    (ts_names, ts_rows), (pg_names, pg_rows) = timescale, postgres
    assert ts_names == pg_names
    assert [(r[0], r[1]) for r in ts_rows] == [(r[0], r[1]) for r in pg_rows]
    for ts_row, pg_row in zip(ts_rows, pg_rows, strict=True):
        for name, a, b in zip(ts_names, ts_row, pg_row, strict=True):
            if isinstance(a, float) and isinstance(b, float):
                assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9), (name, ts_row[:2], a, b)
            else:
                assert a == b, (name, ts_row[:2], a, b)


def test_continuous_aggregate_matches_plain_postgres_rollup(tsdb_migrated, conn):
    rows = list(telemetry_rows(SHAPE))
    assert copy_telemetry(conn, rows=rows) == SHAPE.rows
    conn.execute(query(REFRESH_DAILY_POSTGRES), WINDOW)
    postgres = _rollup(conn)
    with tsdb_migrated.connect() as ts:
        assert copy_telemetry(ts, rows=rows) == SHAPE.rows
        ts.execute(query(REFRESH_DAILY_TIMESCALE), WINDOW)
        timescale = _rollup(ts)

    names, got = timescale
    first_day = datetime(2026, 1, 7, tzinfo=UTC)
    assert {r[1] for r in got} == {first_day + timedelta(days=d) for d in range(8)}
    assert len(got) == 8 * SHAPE.vehicles
    by_col = [dict(zip(names, r, strict=True)) for r in got]
    ev = [r for r in by_col if r["vehicle_id"] == 1]  # every third vehicle, starting with the first, is an EV
    ice = [r for r in by_col if r["vehicle_id"] == 2]
    assert all(r["samples"] == SHAPE.samples_per_day for r in by_col)
    # ICE: the cranking dip is the day's minimum, and one sample a day is a resting one.
    assert all(r["lv_v_min"] < 10.5 and r["lv_v_rest_n"] == 1 for r in ice)
    assert all(abs(r["lv_v_rest_avg"] - 12.6) < 0.2 for r in ice)
    assert all(r["lv_v_min"] > 12.0 and r["lv_v_rest_n"] == 2 and r["hv_soh_avg"] is not None for r in ev)
    assert all(r["hv_soh_avg"] is None for r in ice)
    _assert_same_rollup(timescale, postgres)

    for statement in LATE:
        conn.execute(statement)
    conn.execute(query(REFRESH_DAILY_POSTGRES), WINDOW)
    with tsdb_migrated.connect() as ts:
        for statement in LATE:
            ts.execute(statement)
        ts.execute(query(REFRESH_DAILY_TIMESCALE), WINDOW)
        again = _rollup(ts)
    assert len(again[1]) == len(got) - 1
    _assert_same_rollup(again, _rollup(conn))


def test_refresh_of_a_window_shorter_than_a_day_rebuilds_that_day(tsdb_migrated):
    # TimescaleDB refuses a refresh window under one bucket; the SQL widens it to the touched day.
    with tsdb_migrated.connect() as ts:
        copy_telemetry(ts, rows=telemetry_rows(SHAPE))
        ts.execute(
            query(REFRESH_DAILY_TIMESCALE),
            {"start": ANCHOR - timedelta(hours=20), "end": ANCHOR - timedelta(hours=10)},
        )
        days = ts.execute("SELECT DISTINCT day FROM telemetry_daily").fetchall()
    assert days == [(ANCHOR - timedelta(days=1),)]
