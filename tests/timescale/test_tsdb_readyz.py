"""The storage mode on real TimescaleDB as operators see it: `carecast migrate` logs it, the API's /readyz reports it.

Services connect with the server's default search_path, so this test migrates the `public` schema of the test
database (not a private one, as the other Timescale tests do) and drops everything it created there afterwards:
relations and functions alike, so that the same database passes again (a reused CARECAST_TEST_TIMESCALE_URL).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from api.app import create_app
from api.settings import ApiSettings
from core.db import StorageInfo, storage_info
from core.settings import DatabaseSettings, LogSettings
from tests.timescale.conftest import delete_jobs, retry_busy

pytestmark = pytest.mark.timescale

_RELATIONS = "SELECT relname, relkind FROM pg_class WHERE relnamespace = 'public'::regnamespace"
_FUNCTIONS = (
    "SELECT quote_ident(proname) || '(' || pg_get_function_identity_arguments(oid) || ')' FROM pg_proc"
    " WHERE pronamespace = 'public'::regnamespace"
)


def _relations(conn: psycopg.Connection) -> set[tuple[str, str]]:
    return set(conn.execute(_RELATIONS).fetchall())


def _functions(conn: psycopg.Connection) -> set[str]:
    return {r[0] for r in conn.execute(_FUNCTIONS)}


def _drop_created(conn: psycopg.Connection, *, keep: set[tuple[str, str]], keep_functions: set[str]) -> None:
    """Drop the jobs and continuous aggregates, then the tables, sequences and functions of `public` not kept."""
    delete_jobs(
        conn, "public"
    )  # a policy job still running would race the drops ("tuple concurrently deleted")
    caggs = conn.execute(
        "SELECT view_name FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'public'"
    ).fetchall()
    for (name,) in caggs:
        statement = sql.SQL("DROP MATERIALIZED VIEW {} CASCADE").format(sql.Identifier("public", name))
        retry_busy(lambda statement=statement: conn.execute(statement))
    # One table per statement: TimescaleDB refuses to drop a hypertable together with other objects.
    for kind, template in (
        ("r", "DROP TABLE IF EXISTS {} CASCADE"),
        ("v", "DROP VIEW IF EXISTS {} CASCADE"),
        ("S", "DROP SEQUENCE IF EXISTS {}"),
    ):
        for name in sorted(n for n, k in _relations(conn) - keep if k == kind):
            statement = sql.SQL(template).format(sql.Identifier("public", name))
            retry_busy(lambda statement=statement: conn.execute(statement))
    for signature in sorted(_functions(conn) - keep_functions):  # trigger functions outlive their tables
        conn.execute(sql.SQL("DROP FUNCTION IF EXISTS public.{} CASCADE").format(sql.SQL(signature)))


@pytest.fixture
def public_migrated(tsdb_url: str) -> Iterator[list[dict]]:
    """Run `carecast migrate` against the database's public schema; yield its log lines, then drop what it made."""
    with psycopg.connect(tsdb_url, autocommit=True) as conn:
        before, functions = _relations(conn), _functions(conn)
    assert ("carecast_storage", "r") not in before, (
        "the test database's public schema is not empty of Carecast"
    )
    env = {
        **os.environ,
        "CARECAST_DATABASE__URL": tsdb_url,
        "CARECAST_DATABASE__TIMESCALE": "on",
        "CARECAST_LOG__FORMAT": "json",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "core.migrate_main"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        yield [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    finally:
        with psycopg.connect(tsdb_url, autocommit=True) as conn:
            _drop_created(conn, keep=before, keep_functions=functions)
            assert _relations(conn) == before
            assert _functions(conn) == functions


def test_migrate_logs_and_readyz_reports_the_timescale_mode(public_migrated, tsdb_url, mqtt):
    done = [line for line in public_migrated if line.get("event") == "migrate.done"]
    assert len(done) == 1 and done[0]["mode"] == "timescale" and done[0]["applied"] > 0
    with psycopg.connect(tsdb_url, autocommit=True) as conn:
        info = storage_info(conn)
        extversion = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
        ).fetchone()[0]
    assert info == StorageInfo("timescale", extversion, "timescale")
    assert done[0]["timescale_version"] == extversion

    # The engine takes one connection at a time: the API's pool holds exactly one, and nothing else is open.
    settings = ApiSettings(
        database=DatabaseSettings(url=tsdb_url, pool_min=1, pool_max=1),
        mqtt=mqtt,
        log=LogSettings(level="WARNING"),
    )
    with TestClient(create_app(settings)) as client:
        resp = client.get("/readyz")
    assert resp.status_code == 200, resp.text
    checks = resp.json()["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"]
    assert checks["migrations"] == {"ok": True, "detail": "up to date"}
    assert checks["storage"] == {
        "ok": True,
        "detail": f"timescale (timescaledb {extversion}, license timescale)",
    }
