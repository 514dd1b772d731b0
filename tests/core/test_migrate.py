from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
import structlog
from structlog.testing import CapturingLogger

from core.db import connect, storage_info
from core.errors import MigrationError
from core.migrate import discover, migrate, pending
from domain.vocabulary import RiskKind


def test_migrations_apply_on_fresh_database_and_rerun_is_noop(empty_database):
    with connect(empty_database, autocommit=True) as conn:
        first = migrate(conn, timescale="off")
        assert first.applied == [f"{m.version:04d}_{m.name}" for m in discover("postgres")]
        assert first.storage.mode == "postgres"
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {
            "vehicle",
            "customer",
            "service_center",
            "technician",
            "part_stock",
            "telemetry",
            "telemetry_daily",
            "ingest_reject",
            "risk",
            "care_message",
            "booking_suggestion",
        } <= tables
        before = conn.execute("SELECT version, applied_at FROM schema_migration ORDER BY 1").fetchall()

        second = migrate(conn, timescale="off")
        assert second.applied == []
        assert second.skipped == len(first.applied)
        assert (
            conn.execute("SELECT version, applied_at FROM schema_migration ORDER BY 1").fetchall() == before
        )
        assert pending(conn) == 0
        assert storage_info(conn).mode == "postgres"


def test_on_requires_timescale(empty_database):
    with connect(empty_database, autocommit=True) as conn:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone()
        if available:
            pytest.skip("timescaledb is installed on this server")
        with pytest.raises(MigrationError, match="timescaledb"):
            migrate(conn, timescale="on")


def _skip_if_timescaledb_installed(conn: psycopg.Connection) -> None:
    if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone():
        pytest.skip("timescaledb is installed on this server")


def test_auto_without_timescaledb_is_plain_postgres_without_a_warning(empty_database):
    # No TimescaleDB on the server is the ordinary plain-PostgreSQL install, not a half-finished one.
    captured = CapturingLogger()
    with connect(empty_database, autocommit=True) as conn:
        _skip_if_timescaledb_installed(conn)
        report = migrate(
            conn, timescale="auto", reconnect=lambda: pytest.fail("no reason to reconnect"),
            log=structlog.wrap_logger(captured, processors=[]),
        )  # fmt: skip
    assert report.storage.mode == "postgres"
    assert [call for call in captured.calls if call.method_name == "warning"] == []


def test_cli_on_without_timescaledb_fails_with_one_line_and_auto_then_works(empty_database):
    with connect(empty_database, autocommit=True) as conn:
        _skip_if_timescaledb_installed(conn)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CARECAST_TEST_")},
        "CARECAST_DATABASE__URL": empty_database.url,
        "CARECAST_LOG__FORMAT": "json",
    }
    run = [sys.executable, "-m", "core.migrate_main"]
    on = subprocess.run(
        run, env={**env, "CARECAST_DATABASE__TIMESCALE": "on"}, capture_output=True, text=True
    )
    assert on.returncode == 1
    (line,) = on.stderr.splitlines()
    assert line.startswith("carecast migrate: timescale=on but the timescaledb extension is not available")
    auto = subprocess.run(
        run, env={**env, "CARECAST_DATABASE__TIMESCALE": "auto"}, capture_output=True, text=True
    )
    assert auto.returncode == 0, auto.stderr
    with connect(empty_database, autocommit=True) as conn:
        assert storage_info(conn).mode == "postgres" and pending(conn) == 0


def test_pending_counts_unmigrated_database(empty_database):
    with connect(empty_database, autocommit=True) as conn:
        assert pending(conn) == len(discover("postgres"))


def test_edited_migration_is_refused(empty_database):
    with connect(empty_database, autocommit=True) as conn:
        migrate(conn, timescale="off")
        conn.execute("UPDATE schema_migration SET checksum = 'x' WHERE version = 1")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            migrate(conn, timescale="off")


def test_risk_kind_check_matches_contract(conn):
    for kind in RiskKind:
        conn.execute(
            "SELECT 1 WHERE %s IN ('battery_12v', 'ev_battery_soh', 'brake_pads', 'winter_prep')",
            (kind.value,),
        )
    constraint = conn.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'risk'::regclass AND contype = 'c'"
        " AND pg_get_constraintdef(oid) LIKE '%%kind%%'"
    ).fetchone()[0]
    assert all(f"'{k.value}'" in constraint for k in RiskKind)


def test_telemetry_is_unique_per_vehicle_and_time(conn):
    conn.execute("INSERT INTO telemetry (vehicle_id, ts) VALUES (1, '2026-01-01T00:00:00Z')")
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO telemetry (vehicle_id, ts) VALUES (1, '2026-01-01T00:00:00Z')")
