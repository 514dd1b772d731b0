"""PostgreSQL/TimescaleDB access: connections, pools, named SQL files, and the storage mode the schema was built in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, TypeVar

import psycopg
from psycopg.abc import Params, QueryNoTemplate
from psycopg.rows import TupleRow, dict_row
from psycopg_pool import ConnectionPool

from core.settings import DatabaseSettings

StorageMode = Literal["timescale", "postgres"]
R = TypeVar("R")


def connect(
    settings: DatabaseSettings, *, autocommit: bool = False, dict_rows: bool = False
) -> psycopg.Connection[Any]:
    """Open one connection (caller closes it)."""
    if dict_rows:
        return psycopg.connect(settings.url, autocommit=autocommit, row_factory=dict_row)
    return psycopg.connect(settings.url, autocommit=autocommit)


def make_pool(settings: DatabaseSettings, *, name: str, dict_rows: bool = True) -> ConnectionPool:
    """Return an opened connection pool sized by the settings."""
    kwargs = {"row_factory": dict_row} if dict_rows else {}
    pool = ConnectionPool(
        settings.url,
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        name=name,
        kwargs=kwargs,
        open=False,
    )
    pool.open(wait=True, timeout=30)
    return pool


@dataclass(frozen=True, slots=True)
class SqlFile:
    """One statement: ``{package}/sql/{name}.sql``, named by a constant in ``{package}/sql/__init__.py`` (so its
    callers are found by the constant)."""

    package: str
    name: str


def query(sql: SqlFile) -> str:
    """Return the text of the statement file (read once)."""
    return _text(sql)


@cache
def _text(sql: SqlFile) -> str:
    return resources.files(sql.package).joinpath("sql", f"{sql.name}.sql").read_text("utf-8")


def one(conn: psycopg.Connection[R], statement: QueryNoTemplate, params: Params | None = None) -> R:
    """Execute `statement` and return its first row; raise LookupError when it returns none."""
    row = conn.execute(statement, params).fetchone()
    if row is None:
        text = statement if isinstance(statement, str) else repr(statement)
        raise LookupError(f"expected a row, got none from: {' '.join(text.split())[:120]}")
    return row


def scalar(
    conn: psycopg.Connection[TupleRow], statement: QueryNoTemplate, params: Params | None = None
) -> Any:
    """Execute `statement` and return the first column of its first row; raise LookupError when no row comes back."""
    return one(conn, statement, params)[0]


@dataclass(frozen=True, slots=True)
class StorageInfo:
    """Which engine the schema was built for, and TimescaleDB's version/edition when present."""

    mode: StorageMode
    timescale_version: str | None
    timescale_license: str | None


def storage_info(conn: psycopg.Connection) -> StorageInfo:
    """Return the storage mode recorded by the migration runner."""
    row = conn.execute("SELECT mode, timescale_version, timescale_license FROM carecast_storage").fetchone()
    if row is None:
        raise LookupError("database is not migrated: run `carecast migrate`")
    if isinstance(row, dict):
        return StorageInfo(row["mode"], row["timescale_version"], row["timescale_license"])
    return StorageInfo(*row)
