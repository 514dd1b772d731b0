"""Seeding the reference tables against a real, migrated PostgreSQL: complete and idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from core.db import connect
from core.settings import DatabaseSettings
from simulators.fleet import PARTS
from simulators.scenario import build_scenario
from simulators.seed import seed_fleet

JOINED = (
    "SELECT v.vin, v.region, v.model, c.id, c.name, c.channels, c.preferred_center_id "
    "FROM vehicle v JOIN customer c ON c.id = v.customer_id ORDER BY v.vin"
)
TABLES = ("service_center", "technician", "part", "part_stock", "customer", "vehicle")


def counts(conn: psycopg.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_seeding_twice_leaves_identical_rows(database: DatabaseSettings, conn: psycopg.Connection) -> None:
    fleet = build_scenario(7, 30, datetime(2025, 11, 27, tzinfo=UTC), days=14).fleet
    with connect(database) as c:
        report = seed_fleet(c, fleet=fleet)
    first = counts(conn)
    snapshot = conn.execute(JOINED).fetchall()
    with connect(database) as c:
        seed_fleet(c, fleet=fleet)
    assert counts(conn) == first
    assert conn.execute(JOINED).fetchall() == snapshot
    assert first == {
        "service_center": len(fleet.centers),
        "technician": len(fleet.technicians),
        "part": len(PARTS),
        "part_stock": len(fleet.stock),
        "customer": 30,
        "vehicle": 30,
    }
    assert report.vehicles == 30


def test_seeded_rows_are_consistent(database: DatabaseSettings, conn: psycopg.Connection) -> None:
    fleet = build_scenario(3, 20, datetime(2025, 11, 27, tzinfo=UTC), days=14).fleet
    with connect(database) as c:
        seed_fleet(c, fleet=fleet)
    # every customer prefers a center of their own vehicle's region
    mismatched = conn.execute(
        "SELECT count(*) FROM vehicle v JOIN customer c ON c.id = v.customer_id "
        "JOIN service_center s ON s.id = c.preferred_center_id WHERE s.region <> v.region"
    ).fetchone()[0]
    assert mismatched == 0
    hours = conn.execute("SELECT opening_hours FROM service_center ORDER BY code LIMIT 1").fetchone()[0]
    assert hours["mon"] == ["08:30", "18:00"] and hours["sun"] in (None, ["10:00", "16:00"])
    hv_regions = conn.execute(
        "SELECT count(DISTINCT s.region) FROM technician t JOIN service_center s ON s.id = t.center_id "
        "WHERE 'high_voltage' = ANY (t.skills)"
    ).fetchone()[0]
    assert hv_regions == 6
    models = conn.execute("SELECT model FROM vehicle").fetchall()
    assert all(" " in row[0] for row in models)  # brand and model name
