"""How each entity's batch is written: references resolved (an unknown one is a bad row), then one upsert by
natural key that counts what it created and changed. One writer function per entity, listed in `WRITERS`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from core.db import SqlFile, query
from core.masterdata.report import BatchResult, Changes
from domain.masterdata import Record

Numbered = tuple[int, Record]  # (line, record)


class Writer(Protocol):
    """Resolve and upsert one batch of good records; return its bad rows (unknown references) and changes."""

    def __call__(
        self, conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime
    ) -> BatchResult: ...


def upsert(
    conn: psycopg.Connection,
    name: SqlFile,
    rows: list[dict[str, Any]],
    *,
    now: datetime,
    key: Callable[[tuple[Any, ...]], str] = lambda parts: str(parts[0]),
) -> Changes:
    """Run the named upsert on `rows` (one JSON parameter); return the keys it created and updated.

    Each upsert returns the key columns and ``created`` (xmax = 0) of every row it inserted or changed; rows
    equal to the stored ones are not touched and not returned.
    """
    if not rows:
        return Changes()
    created: list[str] = []
    updated: list[str] = []
    with conn.cursor(row_factory=tuple_row) as cur:
        for *parts, was_created in cur.execute(query(name), {"rows": Jsonb(rows), "now": now}):
            (created if was_created else updated).append(key(tuple(parts)))
    return Changes(tuple(created), tuple(updated))


def changed(conn: psycopg.Connection, name: SqlFile, params: dict[str, Any]) -> set[str]:
    """Run a statement that returns the natural key of each row whose children it changed; return those keys."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return {row[0] for row in cur.execute(query(name), params)}


def typed(rows: Sequence[Numbered], kind: type[Any]) -> list[tuple[int, Any]]:
    """Return the batch with its records checked to be of `kind` (each writer handles one record type)."""
    assert all(isinstance(record, kind) for _, record in rows), f"expected {kind.__name__} records"
    return list(rows)
