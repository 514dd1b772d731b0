"""The TimescaleDB leg: the project's WASM TimescaleDB engine (PostgreSQL 17 + TimescaleDB 2.23), started for the run,
or any TimescaleDB server named by ``CARECAST_TEST_TIMESCALE_URL`` (a DSN; its database should be one kept for
tests: each test works in its own schema there, and the `/readyz` test in its `public` schema).

Each test gets its own schema, first on the search_path, dropped afterwards; no test creates a database, so no
``CREATE DATABASE ... TEMPLATE`` can fail because a TimescaleDB background worker is connected to the template (a
real server's scheduler connects to every database). On a real server the policy jobs would run by themselves:
each schema's jobs are paused as soon as it is migrated (the tests run them with ``CALL run_job``, as on the WASM
engine, where workers never run) and deleted before the schema is dropped, and catalog changes that race a job still
running are retried ("tuple concurrently deleted/updated", deadlocks, objects in use).

The WASM engine serves one connection at a time and cannot create databases, so tests close each connection before
opening another one (`TimescaleSchema.connect()` is a context manager for that); they hold on a real server as well.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from psycopg import sql

from bench import wasm_timescale
from core.migrate import migrate

ROOT = Path(__file__).resolve().parents[2]
TIMESCALE_URL = "CARECAST_TEST_TIMESCALE_URL"
# Serialization failure, deadlock, object in use, lock not available: a background job held what we wanted.
_BUSY = {"40001", "40P01", "55006", "55P03"}
T = TypeVar("T")


def given_url() -> str | None:
    """Return the DSN of the TimescaleDB server to test against, or None for the WASM engine."""
    return os.environ.get(TIMESCALE_URL) or None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip each test here when Node.js is missing and no server is given, from this one place (one line for all)."""
    reason = None if given_url() else wasm_timescale.missing_runtime()
    if reason:
        pytest.skip(f"{reason} (or set {TIMESCALE_URL} to a TimescaleDB server)")


def retry_busy(action: Callable[[], T], *, timeout_s: float = 30.0) -> T:
    """Run `action` until it stops failing because a background job holds what it touches; give up at the deadline."""
    deadline = time.monotonic() + timeout_s
    pause = 0.05
    while True:
        try:
            return action()
        except psycopg.Error as exc:
            busy = exc.sqlstate in _BUSY or "concurrently" in (exc.diag.message_primary or "")
            if not busy or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


def schema_jobs(conn: psycopg.Connection, schema: str) -> list[int]:
    """Return the ids of the TimescaleDB jobs on the hypertables and continuous aggregates of `schema`."""
    rows = conn.execute(
        "SELECT job_id FROM timescaledb_information.jobs WHERE hypertable_schema = %s ORDER BY job_id",
        (schema,),
    ).fetchall()
    return [r[0] for r in rows]


def pause_jobs(conn: psycopg.Connection, schema: str) -> None:
    """Stop the scheduler from running `schema`'s jobs (`CALL run_job(id)` still runs one)."""
    for job in schema_jobs(conn, schema):
        retry_busy(lambda job=job: conn.execute("SELECT alter_job(%s, scheduled => false)", (job,)))


def delete_jobs(conn: psycopg.Connection, schema: str) -> None:
    """Delete `schema`'s jobs (waiting for a running one), so that dropping their tables races no job."""
    for job in schema_jobs(conn, schema):
        retry_busy(lambda job=job: conn.execute("SELECT delete_job(%s)", (job,)))


@pytest.fixture(scope="session")
def tsdb_url() -> Iterator[str]:
    """DSN of the TimescaleDB to test: ``CARECAST_TEST_TIMESCALE_URL``, else the project's WASM engine for this run."""
    url = given_url()
    if url:
        with psycopg.connect(url, autocommit=True) as conn:
            available = "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
            if not conn.execute(available).fetchone():
                pytest.fail(f"{TIMESCALE_URL} names a server without TimescaleDB")
            # In `public`, where every test's search_path finds it (a test schema would take it along when dropped).
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb WITH SCHEMA public")
        yield url
        return
    server = wasm_timescale.start(repo_root=ROOT)
    try:
        yield server.url
    finally:
        server.stop()


@dataclass(frozen=True, slots=True)
class TimescaleSchema:
    """A private schema on the TimescaleDB; `connect()` opens an autocommit connection that works inside it."""

    url: str
    schema: str

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        """Yield an autocommit connection with this schema first on the search_path (closed on exit)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            # Startup options are ignored by the WASM engine, so set the path per session; public holds the extension.
            conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(self.schema)))
            yield conn


@pytest.fixture
def tsdb(tsdb_url: str) -> Iterator[TimescaleSchema]:
    """A fresh, empty schema on the TimescaleDB for one test; its jobs are deleted and it is dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(tsdb_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield TimescaleSchema(tsdb_url, schema)
    finally:
        with psycopg.connect(tsdb_url, autocommit=True) as conn:
            delete_jobs(conn, schema)
            retry_busy(lambda: conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema))))


@pytest.fixture
def tsdb_migrated(tsdb: TimescaleSchema) -> TimescaleSchema:
    """A private schema with every migration applied in TimescaleDB mode and its policy jobs paused."""
    with tsdb.connect() as conn:
        migrate(conn, timescale="on")
        pause_jobs(conn, tsdb.schema)
    return tsdb
