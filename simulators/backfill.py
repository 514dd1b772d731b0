"""Direct-to-database history: seed the lifecycle fleet, COPY its telemetry, write its ground truth.

Live data goes through MQTT (``simulators.run``); a year of history for thousands of cars would take hours that way,
so the backfill writes rows with one binary COPY per chunk of vehicles, the same columns ingest writes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from core import forecasts
from core.db import query
from simulators.climate import Climate
from simulators.forecast import issued_forecasts
from simulators.history import COLUMNS, Truth, VehicleHistory, vehicle_rows
from simulators.lifecycle import LifecycleScenario
from simulators.seed import seed_fleet
from simulators.sql import INSERT_GROUND_TRUTH, VEHICLE_IDS

_COPY = sql.SQL("COPY telemetry ({}) FROM STDIN (FORMAT BINARY)").format(
    sql.SQL(", ").join(sql.Identifier(name) for name, _ in COLUMNS)
)


@dataclass(frozen=True, slots=True)
class BackfillReport:
    """What one backfill wrote and how long it took."""

    vehicles: int
    rows: int
    truths: int
    seconds: float


def histories(scenario: LifecycleScenario, *, ids: dict[str, int]) -> list[VehicleHistory]:
    """Return one history per vehicle plan, bound to its database id."""
    climate = Climate(scenario.seed, scenario.cold_snaps)
    return [
        VehicleHistory(p, scenario=scenario, climate=climate, vehicle_id=ids[p.vehicle.vin])
        for p in scenario.plans
    ]


def iter_rows(items: Iterable[VehicleHistory], *, scenario: LifecycleScenario) -> Iterator[tuple]:
    """Yield the telemetry rows of every history in turn (each history also collects its ground truth)."""
    for history in items:
        yield from vehicle_rows(history, first=scenario.first, days=scenario.days)


def copy_rows(conn: psycopg.Connection, *, rows: Iterable[tuple]) -> int:
    """Write rows (history.COLUMNS order) with one binary COPY; return how many."""
    written = 0
    with conn.cursor() as cur, cur.copy(_COPY) as copy:
        copy.set_types([t for _, t in COLUMNS])
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def save_truths(conn: psycopg.Connection, *, seed: int, truths: Iterable[Truth]) -> int:
    """Insert the ground-truth events; return how many were given."""
    params = [
        {"seed": seed, "vin": t.vin, "kind": str(t.kind), "mode": t.mode, "fault_start": t.fault_start,
         "failure_date": t.failure, "service_date": t.service}
        for t in truths
    ]  # fmt: skip
    with conn.cursor() as cur:
        cur.executemany(query(INSERT_GROUND_TRUTH), params)
    return len(params)


def backfill(conn: psycopg.Connection, *, scenario: LifecycleScenario, chunk: int = 500) -> BackfillReport:
    """Seed the fleet, COPY its whole history and its ground truth, committing per chunk of vehicles."""
    started = time.monotonic()
    seed_fleet(conn, fleet=scenario.fleet)
    vins = [v.vin for v in scenario.fleet.vehicles]
    ids: dict[str, int] = dict(conn.execute(query(VEHICLE_IDS), {"vins": vins}).fetchall())
    items = histories(scenario, ids=ids)
    rows = truths = 0
    for i in range(0, len(items), chunk):
        part = items[i : i + chunk]
        with conn.transaction():
            rows += copy_rows(conn, rows=iter_rows(part, scenario=scenario))
            truths += save_truths(conn, seed=scenario.seed, truths=[t for h in part for t in h.truths])
    with conn.transaction():  # the forecasts detection reads ahead of the seasons (simulators.forecast)
        climate = Climate(scenario.seed, scenario.cold_snaps)
        issued = issued_forecasts(climate, first=scenario.first, days=scenario.days)
        forecasts.save(conn, forecasts=issued, source="simulator", now=datetime.now(UTC))
    return BackfillReport(len(items), rows, truths, round(time.monotonic() - started, 2))
