"""The daily rollup's day is the fleet day, 05:00 to 05:00 China Standard Time (21:00 UTC), labelled with its date:
a Chinese car's morning start (07:30 local = 23:30 UTC the day before) and its evening are one row, the next
morning another (plain PostgreSQL refresh and the service countdown read from raw telemetry; the TimescaleDB
aggregate is held to the same rows by tests/timescale/test_tsdb_rollup.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.db import connect
from detection.repository import load_frame, refresh_daily

# fleet day 2026-01-10 runs from 2026-01-09 21:00 to 2026-01-10 21:00 UTC and is labelled 2026-01-10 00:00 UTC
DAY = datetime(2026, 1, 10, tzinfo=UTC)
START = DAY - timedelta(hours=3)


def _days(conn, vehicle_id):
    return conn.execute(
        "SELECT day, samples, air_temp_min, air_temp_max FROM telemetry_daily WHERE vehicle_id = %s ORDER BY day",
        (vehicle_id,),
    ).fetchall()


def test_a_local_day_from_morning_start_to_late_evening_is_one_row(database, conn, fleet):
    car = fleet.vehicle(region="guangzhou")
    at = lambda h, temp, **kw: {"ts": START + timedelta(hours=h), "air_temp_c": temp, **kw}  # noqa: E731
    fleet.samples(car, [
        at(-0.01, 1.0),  # 04:59 local: the night before, still the previous fleet day
        at(0.0, 2.0),  # 05:00 local: the fleet day begins
        at(2.5, 3.0, service_km=900.0),  # 07:30 local (23:30 UTC the day before): the morning start
        at(7.5, 9.0),  # midday
        at(18.5, 5.0, service_km=880.0),  # 23:30 local
        at(23.99, 4.0),  # 04:59 local the next morning: still this fleet day
        at(24.0, 20.0, service_km=870.0),  # 05:00 local: the next fleet day
    ])  # fmt: skip
    with connect(database, autocommit=True) as auto:
        refresh_daily(auto, start=DAY - timedelta(days=2), end=DAY + timedelta(days=2))
    assert _days(conn, car) == [
        (DAY - timedelta(days=1), 1, pytest.approx(1.0), pytest.approx(1.0)),
        (DAY, 5, pytest.approx(2.0), pytest.approx(9.0)),
        (DAY + timedelta(days=1), 1, pytest.approx(20.0), pytest.approx(20.0)),
    ]
    # The service countdown (read from raw telemetry) lands on the same fleet days as the rollup.
    frame = load_frame(conn, start=DAY - timedelta(days=3), now=DAY + timedelta(days=1, hours=12))
    service = frame.set_index(frame["day"].dt.strftime("%Y-%m-%d"))["service_km"]
    assert service.isna()["2026-01-09"] and service["2026-01-10"] == 880.0 and service["2026-01-11"] == 870.0


def test_a_refresh_from_inside_a_fleet_day_rebuilds_it_whole_and_not_the_day_before(database, conn, fleet):
    car = fleet.vehicle()
    fleet.samples(
        car, [{"ts": START + timedelta(hours=h), "air_temp_c": float(h)} for h in (-1, 1, 10, 20, 25)]
    )
    with connect(database, autocommit=True) as auto:
        refresh_daily(auto, start=DAY - timedelta(days=2), end=DAY + timedelta(days=2))
        before = _days(conn, car)
        conn.execute("DELETE FROM telemetry WHERE vehicle_id = %s AND ts IN (%s, %s)",
                     (car, START - timedelta(hours=1), START + timedelta(hours=20)))  # fmt: skip
        # from 15:00 local: the fleet day 2026-01-10 is rebuilt from all its rows, 2026-01-09 is left as it was
        refresh_daily(auto, start=START + timedelta(hours=10), end=DAY + timedelta(days=2))
    after = _days(conn, car)
    assert [r[:2] for r in before] == [(DAY - timedelta(days=1), 1), (DAY, 3), (DAY + timedelta(days=1), 1)]
    assert after[0] == before[0] and after[2] == before[2]
    assert after[1][:2] == (DAY, 2) and after[1][2:] == (pytest.approx(1.0), pytest.approx(10.0))
