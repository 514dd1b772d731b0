"""`carecast migrate` on TimescaleDB installed but not preloaded (``shared_preload_libraries`` without it).

The WASM engine plays that server (``--timescaledb-not-preloaded``): the extension is available but not created,
``SHOW shared_preload_libraries`` does not list it, and ``CREATE EXTENSION timescaledb`` is answered as TimescaleDB's
loader answers it, with ``FATAL: extension "timescaledb" must be preloaded`` (SQLSTATE XX000), and a closed
connection. A superuser's migrate sees the setting and never tries; a role that may not read the setting tries,
and its connection dies. Either way `auto` builds plain PostgreSQL with one warning and `on` fails with one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
import structlog
from psycopg import sql
from structlog.testing import CapturingLogger

from bench import wasm_timescale
from core.errors import MigrationError
from core.migrate import discover, migrate
from tests.timescale.conftest import ROOT

pytestmark = pytest.mark.timescale

ROLE = "carecast_app"  # neither superuser nor a member of pg_read_all_settings
POSTGRES = [f"{m.version:04d}_{m.name}" for m in discover("postgres")]


@pytest.fixture(scope="module")
def half_installed_url() -> Iterator[str]:
    """DSN of a WASM engine playing TimescaleDB installed but not preloaded (its own, for this module)."""
    reason = wasm_timescale.missing_runtime()
    if reason:
        pytest.skip(reason)
    server = wasm_timescale.start(repo_root=ROOT, timescaledb_not_preloaded=True)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def half_installed(half_installed_url: str) -> Iterator[str]:
    """The engine with an empty `public` schema and a schema owned by ROLE; both emptied again afterwards."""
    with psycopg.connect(half_installed_url, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {ROLE}; CREATE ROLE {ROLE} NOSUPERUSER")
        conn.execute(sql.SQL("CREATE SCHEMA app AUTHORIZATION {}").format(sql.Identifier(ROLE)))
    try:
        yield half_installed_url
    finally:
        with psycopg.connect(half_installed_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA app CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(f"DROP ROLE {ROLE}")
            assert conn.execute(
                "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'"
            ).fetchone() == (0,)


def _cli(url: str, timescale: str) -> tuple[int, list[str]]:
    """Run `carecast migrate` (JSON logs); return its exit code and its stderr lines."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CARECAST_TEST_")},
        "CARECAST_DATABASE__URL": url,
        "CARECAST_DATABASE__TIMESCALE": timescale,
        "CARECAST_LOG__FORMAT": "json",
    }
    done = subprocess.run(
        [sys.executable, "-m", "core.migrate_main"], env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stderr.splitlines()


def _events(lines: list[str], level: str) -> list[dict]:
    return [event for event in map(json.loads, lines) if event["level"] == level]


def test_cli_auto_builds_plain_postgres_with_one_warning_and_reruns(half_installed):
    code, lines = _cli(half_installed, "auto")
    assert code == 0, lines
    (warning,) = _events(lines, "warning")
    assert warning["event"] == "migrate.timescale_unusable" and warning["mode"] == "postgres"
    assert "shared_preload_libraries" in warning["reason"]
    assert "shared_preload_libraries" in warning["fix"] and "restart PostgreSQL" in warning["fix"]
    (done,) = [e for e in _events(lines, "info") if e["event"] == "migrate.done"]
    assert (done["mode"], done["applied"]) == ("postgres", len(POSTGRES))

    code, lines = _cli(half_installed, "auto")  # the mode is recorded: no second attempt, no second warning
    assert code == 0, lines
    assert _events(lines, "warning") == []
    (done,) = [e for e in _events(lines, "info") if e["event"] == "migrate.done"]
    assert (done["mode"], done["applied"], done["skipped"]) == ("postgres", 0, len(POSTGRES))


def test_cli_on_fails_with_one_line_naming_the_fix_and_auto_then_works(half_installed):
    code, lines = _cli(half_installed, "on")
    assert code == 1
    assert len(lines) == 1, lines  # no traceback
    assert lines[0].startswith("carecast migrate: timescale=on but TimescaleDB cannot be used")
    assert "add timescaledb to shared_preload_libraries" in lines[0] and "restart PostgreSQL" in lines[0]

    code, lines = _cli(half_installed, "auto")
    assert code == 0, lines
    (done,) = [e for e in _events(lines, "info") if e["event"] == "migrate.done"]
    assert (done["mode"], done["applied"]) == ("postgres", len(POSTGRES))


def _as_role(url: str) -> psycopg.Connection:
    """An autocommit connection working as ROLE in its schema (the engine ignores startup options)."""
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(sql.SQL("SET ROLE {}; SET search_path TO app").format(sql.Identifier(ROLE)))
    return conn


def _warnings(log: CapturingLogger) -> list[dict]:
    return [call.kwargs for call in log.calls if call.method_name == "warning"]


def test_auto_outlives_the_fatal_on_a_new_connection_and_reruns(half_installed):
    captured = CapturingLogger()
    log = structlog.wrap_logger(captured, processors=[])
    opened: list[psycopg.Connection] = []

    def reconnect() -> psycopg.Connection:
        opened.append(_as_role(half_installed))
        return opened[-1]

    with _as_role(half_installed) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SHOW shared_preload_libraries")  # so migrate has to try CREATE EXTENSION
        report = migrate(conn, timescale="auto", reconnect=reconnect, log=log)
        assert conn.closed  # the FATAL took the first connection down
    assert report.storage.mode == "postgres" and report.applied == POSTGRES
    (warning,) = _warnings(captured)
    assert warning["reason"] == 'the server says: extension "timescaledb" must be preloaded'
    assert "shared_preload_libraries" in warning["fix"]
    assert len(opened) == 1 and opened[0].closed

    with _as_role(half_installed) as conn:
        again = migrate(conn, timescale="auto", reconnect=reconnect, log=log)
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'app'")}
    assert (again.storage.mode, again.applied, again.skipped) == ("postgres", [], len(POSTGRES))
    assert {"telemetry", "telemetry_daily", "schema_migration", "carecast_storage"} <= tables
    assert len(_warnings(captured)) == 1 and len(opened) == 1


def test_on_reports_the_fatal_not_the_closed_connection(half_installed):
    with _as_role(half_installed) as conn:
        with pytest.raises(MigrationError) as failed:
            migrate(conn, timescale="on", reconnect=lambda: pytest.fail("`on` must not reconnect"))
        assert conn.closed
    message = str(failed.value)
    assert "\n" not in message and "connection is closed" not in message
    assert 'extension "timescaledb" must be preloaded' in message
    assert "add timescaledb to shared_preload_libraries" in message and "restart PostgreSQL" in message
    assert isinstance(
        failed.value.__cause__, psycopg.errors.InternalError_
    )  # SQLSTATE XX000, as the loader sends

    # Without a way to reconnect, `auto` stops with the same advice instead of going on with the dead connection.
    with _as_role(half_installed) as conn, pytest.raises(MigrationError, match="restart PostgreSQL"):
        migrate(conn, timescale="auto")
    with _as_role(half_installed) as conn:
        report = migrate(conn, timescale="auto", reconnect=lambda: _as_role(half_installed))
    assert report.storage.mode == "postgres" and report.applied == POSTGRES
