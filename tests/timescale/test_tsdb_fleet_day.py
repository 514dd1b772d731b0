"""Both engines cut the daily rollup at the same fleet-day boundary: 05:00 China Standard Time (21:00 UTC), each day
labelled with its date (core/migrations/0021_fleet_day_rollup.*.sql, core/sql/refresh_daily.*.sql)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.db import query
from core.sql import REFRESH_DAILY_POSTGRES, REFRESH_DAILY_TIMESCALE

pytestmark = pytest.mark.timescale

DAY = datetime(
    2026, 1, 10, tzinfo=UTC
)  # the label of fleet day 2026-01-10 (2026-01-09 21:00 to 2026-01-10 21:00 UTC)
# 04:59 and 05:00 local the day before and the day after, a 07:30 local morning start (23:30 UTC the day before) and
# a 23:30 local evening: the morning and the evening of 2026-01-10 are one row
HOURS = (-3.01, -3.0, -0.5, 7.5, 15.5, 20.99, 21.0)
WINDOW = {"start": DAY - timedelta(days=2), "end": DAY + timedelta(days=2)}


def _insert(conn) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO telemetry (vehicle_id, ts, air_temp_c) VALUES (1, %s, %s)",
            [(DAY + timedelta(hours=h), float(i)) for i, h in enumerate(HOURS)],
        )


def _rollup(conn) -> list[tuple]:
    return conn.execute(
        "SELECT day, samples, air_temp_min, air_temp_max FROM telemetry_daily ORDER BY day"
    ).fetchall()


def test_both_engines_cut_the_day_at_05_00_china_time(tsdb_migrated, conn):
    _insert(conn)
    conn.execute(query(REFRESH_DAILY_POSTGRES), WINDOW)
    postgres = _rollup(conn)
    with tsdb_migrated.connect() as ts:
        _insert(ts)
        ts.execute(query(REFRESH_DAILY_TIMESCALE), WINDOW)
        timescale = _rollup(ts)
    assert postgres == [
        (DAY - timedelta(days=1), 1, 0.0, 0.0),
        (DAY, 5, 1.0, 5.0),
        (DAY + timedelta(days=1), 1, 6.0, 6.0),
    ]
    assert timescale == postgres
