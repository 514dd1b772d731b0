"""The TimescaleDB leg: one WASM TimescaleDB engine (PostgreSQL 17 + TimescaleDB 2.23) per test run.

The engine serves one connection at a time and cannot create databases (every connection lands in the same one),
so each test gets its own schema, first on the search_path, dropped afterwards. Tests must close each connection
before opening another one (`TimescaleSchema.connect()` is a context manager for that).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from bench import wasm_timescale
from core.migrate import migrate

ROOT = Path(__file__).resolve().parents[2]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip each test here when Node.js is missing, from this one place, so pytest reports one line for them all."""
    reason = wasm_timescale.missing_runtime()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def tsdb_url() -> Iterator[str]:
    """DSN of the project's WASM TimescaleDB engine (tests/timescale/engine/), started for this run and stopped."""
    server = wasm_timescale.start(repo_root=ROOT)
    try:
        yield server.url
    finally:
        server.stop()


@dataclass(frozen=True, slots=True)
class TimescaleSchema:
    """A private schema on the WASM engine; `connect()` opens an autocommit connection that works inside it."""

    url: str
    schema: str

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        """Yield an autocommit connection with this schema first on the search_path (closed on exit)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            # Startup options are ignored by the engine, so set the path per session; public holds the extension.
            conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(self.schema)))
            yield conn


@pytest.fixture
def tsdb(tsdb_url: str) -> Iterator[TimescaleSchema]:
    """A fresh, empty schema on the WASM TimescaleDB for one test."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(tsdb_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield TimescaleSchema(tsdb_url, schema)
    finally:
        with psycopg.connect(tsdb_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def tsdb_migrated(tsdb: TimescaleSchema) -> TimescaleSchema:
    """A private schema with every migration applied in TimescaleDB mode."""
    with tsdb.connect() as conn:
        migrate(conn, timescale="on")
    return tsdb
