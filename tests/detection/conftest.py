"""Fixtures for detection tests: a builder of synthetic daily rollup frames, a fixed evaluation time, a pool."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
import psycopg
import pytest
from psycopg_pool import ConnectionPool

from core.db import make_pool
from detection.frame import DTC_COLUMN, FRAME_COLUMNS, NUMERIC_COLUMNS

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def build_daily(
    vehicle_id: int,
    *,
    days: int,
    end: datetime = NOW,
    powertrain: str = "ICE",
    region: str = "beijing",
    **columns: object,
) -> pd.DataFrame:
    """Return `days` rollup rows ending with the day (label) of `end`. A column value is a scalar, a sequence (oldest
    first) or a callable of the row position i (0 = oldest day); columns not given are NaN."""
    last = pd.Timestamp(end.astimezone(UTC).date())
    data: dict[str, object] = {
        "vehicle_id": np.full(days, vehicle_id, dtype="int64"),
        "day": pd.date_range(end=last, periods=days, freq="D").astype("datetime64[ns]"),
        "powertrain": [powertrain] * days,
        "region": [region] * days,
    }
    for name in NUMERIC_COLUMNS:
        value = columns.pop(name, np.nan)
        if callable(value):
            value = [value(i) for i in range(days)]
        data[name] = np.broadcast_to(np.asarray(value, dtype="float64"), (days,)).copy()
    codes = columns.pop(DTC_COLUMN, None)  # the day's DTC list text per row (None: no list reported)
    data[DTC_COLUMN] = [None] * days if codes is None else list(codes)
    if columns:
        raise TypeError(f"unknown columns {sorted(columns)}")
    return pd.DataFrame(data)[list(FRAME_COLUMNS)]


@pytest.fixture
def daily() -> Callable[..., pd.DataFrame]:
    """The synthetic frame builder (see build_daily)."""
    return build_daily


@pytest.fixture
def now() -> datetime:
    """The fixed evaluation time of the unit tests."""
    return NOW


def frames(*parts: pd.DataFrame) -> pd.DataFrame:
    """Concatenate vehicle frames."""
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def concat() -> Callable[..., pd.DataFrame]:
    """Concatenate vehicle frames into one rollup frame."""
    return frames


# --- database helpers for the integration tests --------------------------------------------------------------

TELEMETRY_FIELDS = ("lv_voltage_v", "lv_current_a", "speed_kmh", "air_temp_c", "hv_soh_pct", "pad_wear_fl_pct",
                    "pad_wear_fr_pct", "pad_wear_rl_pct", "pad_wear_rr_pct", "odometer_m", "lat_deg", "lon_deg", "service_km",
                    "service_s")  # fmt: skip


def add_vehicle(conn: psycopg.Connection, n: int, *, powertrain: str = "ICE", region: str = "beijing") -> int:
    """Insert a customer and its vehicle number `n`; return the vehicle id."""
    (customer_id,) = conn.execute(
        "INSERT INTO customer (name, locale, tz, segment) VALUES (%s, 'en', 'Asia/Shanghai', 'family') RETURNING id",
        (f"Owner {n}",),
    ).fetchone()
    (vehicle_id,) = conn.execute(
        "INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region)"
        " VALUES (%s, %s, 'Model', 2022, %s, %s) RETURNING id",
        (f"LDET{n:013d}", customer_id, powertrain, region),
    ).fetchone()
    return vehicle_id


def day_samples(
    day: date,
    *,
    crank_v: float | None = 10.3,
    rest_v: float = 12.6,
    temp: float = 18.0,
    soh: float | None = None,
    wear: int | None = None,
    odometer_m: int | None = None,
    service_km: float | None = None,
    service_s: int | None = None,
) -> list[dict]:
    """Return one day's samples the way the simulator sends them: a cold engine start (cranking dip at the day's
    lowest temperature, -150 A), a drive (alternator charging, 14.2 V) and a parked resting sample."""
    start = datetime.combine(day, time(7, 0), UTC)
    samples = []
    if crank_v is not None:
        samples.append(
            {
                "ts": start,
                "lv_voltage_v": crank_v,
                "lv_current_a": -150.0,
                "speed_kmh": 0.0,
                "air_temp_c": temp - 4,
            }
        )
    samples.append(
        {
            "ts": start + timedelta(hours=1),
            "lv_voltage_v": 14.2,
            "lv_current_a": 25.0,
            "speed_kmh": 60.0,
            "air_temp_c": temp,
            "odometer_m": odometer_m,
            "lat_deg": 39.9,
            "lon_deg": 116.4,
        }
    )
    samples.append(
        {
            "ts": start + timedelta(hours=10),
            "lv_voltage_v": rest_v,
            "lv_current_a": -0.4,
            "speed_kmh": 0.0,
            "air_temp_c": temp,
            "hv_soh_pct": soh,
            "pad_wear_fl_pct": wear,
            "pad_wear_fr_pct": None if wear is None else max(0, wear - 3),
            "odometer_m": odometer_m,
            "service_km": service_km,
            "service_s": service_s,
        }
    )
    return samples  # fmt: skip


def insert_samples(conn: psycopg.Connection, vehicle_id: int, samples: list[dict]) -> None:
    """Insert raw telemetry rows for one vehicle."""
    columns = ", ".join(("vehicle_id", "ts", *TELEMETRY_FIELDS))
    values = ", ".join(["%s"] * (len(TELEMETRY_FIELDS) + 2))
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO telemetry ({columns}) VALUES ({values})",
            [(vehicle_id, s["ts"], *(s.get(f) for f in TELEMETRY_FIELDS)) for s in samples],
        )


class Fleet:
    """Reference rows and raw telemetry written straight into a test database."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.count = 0

    def vehicle(self, *, powertrain: str = "ICE", region: str = "beijing") -> int:
        """Insert a customer with one vehicle; return the vehicle id."""
        self.count += 1
        return add_vehicle(self.conn, self.count, powertrain=powertrain, region=region)

    def days(self, vehicle_id: int, days: list[date], **day: object) -> None:
        """Insert `day_samples(**day)` for every day; callables in `day` get the day's position (0 = first)."""
        samples = []
        for i, d in enumerate(days):
            samples += day_samples(d, **{k: v(i) if callable(v) else v for k, v in day.items()})
        insert_samples(self.conn, vehicle_id, samples)

    def samples(self, vehicle_id: int, samples: list[dict]) -> None:
        """Insert raw samples."""
        insert_samples(self.conn, vehicle_id, samples)


@pytest.fixture
def fleet(conn: psycopg.Connection) -> Fleet:
    """Writes vehicles and telemetry into this test's database."""
    return Fleet(conn)


def span(end: date, days: int) -> list[date]:
    """Return the `days` calendar days ending with `end`."""
    return [end - timedelta(days=days - 1 - i) for i in range(days)]


@pytest.fixture
def days_until() -> Callable[[date, int], list[date]]:
    """The `span(end, days)` helper: calendar days ending with `end`."""
    return span


@pytest.fixture
def pool(database) -> Iterator[ConnectionPool]:
    """A connection pool on this test's database, as the detection process makes it."""
    pool = make_pool(database, name="detection-test")
    try:
        yield pool
    finally:
        pool.close()
