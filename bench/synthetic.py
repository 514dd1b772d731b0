"""A deterministic synthetic fleet's telemetry rows, shaped like the simulator's, and a binary COPY writer.

Used by the storage benchmark and by the TimescaleDB tests, which need the same rows on two engines.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from psycopg import sql

# Columns written, in this order, with their PostgreSQL types for binary COPY.
COPY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("vehicle_id", "int8"),
    ("ts", "timestamptz"),
    ("lv_voltage_v", "float4"),
    ("lv_current_a", "float4"),
    ("hv_soh_pct", "float4"),
    ("hv_soc_pct", "float4"),
    ("pad_wear_fl_pct", "int2"),
    ("pad_wear_fr_pct", "int2"),
    ("pad_wear_rl_pct", "int2"),
    ("pad_wear_rr_pct", "int2"),
    ("brake_fluid_pct", "int2"),
    ("odometer_m", "int8"),
    ("speed_kmh", "float4"),
    ("air_temp_c", "float4"),
    ("lat_deg", "float8"),
    ("lon_deg", "float8"),
    ("tire_fl_kpa", "int4"),
    ("tire_fr_kpa", "int4"),
    ("tire_rl_kpa", "int4"),
    ("tire_rr_kpa", "int4"),
)

# Home areas (lat, lon, mean winter-day temperature °C) of the simulator's regions.
_HOMES = ((45.80, 126.53, -15.0), (39.90, 116.40, -2.0), (31.23, 121.47, 6.0), (23.13, 113.26, 14.0))


@dataclass(frozen=True, slots=True)
class FleetShape:
    """How many vehicles, which days (the `days` days before `end`) and how many samples per vehicle-day."""

    vehicles: int
    days: int
    end: datetime
    samples_per_day: int = 6
    first_vehicle_id: int = 1
    seed: int = 7

    @property
    def rows(self) -> int:
        """Return how many rows the shape produces."""
        return self.vehicles * self.days * self.samples_per_day


def telemetry_rows(shape: FleetShape) -> Iterator[tuple]:
    """Yield rows in COPY_COLUMNS order: every third vehicle an EV (no cranking), the others crank each morning.

    Per vehicle-day: sample 0 is the engine start (ICE: cranking dip ~10.3 V at 20 °C, -0.03 V/°C colder, -150 A)
    or a parked EV sample; the last sample is parked and resting (|current| < 2 A); the ones between are driving.
    """
    if shape.samples_per_day < 2:
        raise ValueError("samples_per_day must be at least 2 (engine start and a resting sample)")
    rnd = random.Random(shape.seed)
    first_day = shape.end - timedelta(days=shape.days)
    step = timedelta(hours=14) / (shape.samples_per_day - 1)
    # Jitter below half a step keeps each vehicle's timestamps strictly increasing (unique (vehicle_id, ts)).
    jitter_s = max(1, min(600, int(step.total_seconds() // 2)))
    for n in range(shape.vehicles):
        vid = shape.first_vehicle_id + n
        ev = n % 3 == 0
        lat0, lon0, temp0 = _HOMES[n % len(_HOMES)]
        pads = [8.0 + (n * 7) % 50 + rnd.random() for _ in range(4)]
        odometer = 5_000_000 + n * 1_000_003
        soh = 97.0 - (n % 10)
        for d in range(shape.days):
            day = first_day + timedelta(days=d)
            t_min = temp0 + rnd.uniform(-4.0, 4.0)
            for k in range(shape.samples_per_day):
                ts = day + timedelta(hours=6, seconds=rnd.randrange(0, jitter_s)) + k * step
                last = k == shape.samples_per_day - 1
                air = t_min if k == 0 else t_min + rnd.uniform(1.0, 6.0)
                if k == 0 and not ev:
                    volts, amps, speed = 10.3 - 0.03 * max(0.0, 20.0 - air) + rnd.gauss(0, 0.05), -150.0, 0.0
                elif k == 0 or last:
                    volts, amps, speed = 12.6 + rnd.gauss(0, 0.03), rnd.uniform(-1.5, 0.5), 0.0
                else:
                    volts, amps, speed = (
                        14.1 + rnd.gauss(0, 0.05),
                        rnd.uniform(5.0, 25.0),
                        rnd.uniform(20.0, 95.0),
                    )
                    odometer += rnd.randrange(3_000, 15_000)
                yield (
                    vid,
                    ts,
                    volts,
                    amps,
                    soh + rnd.gauss(0, 0.3) if ev else None,
                    rnd.uniform(20.0, 95.0) if ev else None,
                    *(int(p) for p in pads),
                    95 if k else 96,
                    odometer,
                    speed,
                    air,
                    lat0 + rnd.gauss(0, 0.05),
                    lon0 + rnd.gauss(0, 0.05),
                    *(rnd.randrange(225, 245) for _ in range(4)),
                )
            pads = [p + rnd.uniform(0.05, 0.1) for p in pads]
            soh -= 2.0 / 365


def copy_telemetry(
    conn: psycopg.Connection, *, rows: Sequence[tuple] | Iterator[tuple], table: str = "telemetry"
) -> int:
    """Write `rows` (COPY_COLUMNS order) into `table` with one binary COPY; return how many were written."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(name) for name, _ in COPY_COLUMNS)
    )
    written = 0
    with conn.cursor() as cur, cur.copy(statement) as copy:
        copy.set_types([pg_type for _, pg_type in COPY_COLUMNS])
        for row in rows:
            copy.write_row(row)
            written += 1
    return written
