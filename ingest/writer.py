"""Writes one batch of decoded messages to PostgreSQL in one transaction: telemetry via COPY + staging, rejects."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from core.db import query
from core.signals import TELEMETRY_COLUMNS
from ingest.decode import Decoded
from ingest.vehicles import VehicleResolver

# Enough of a rejected payload to see what was wrong without letting one bad sender fill the table.
REJECT_PAYLOAD_BYTES = 4096


@dataclass(slots=True)  # not frozen: one per message on the hot path
class Received:
    """One MQTT message and what decode() made of it."""

    topic: str
    payload: bytes
    decoded: Decoded


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Counts of one committed batch: rows offered, newly stored, already stored (or repeated), reject rows."""

    rows: int
    inserted: int
    duplicates: int
    rejects: int
    reasons: Counter[str]  # reject rows by reason


def _columns() -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(c) for c in TELEMETRY_COLUMNS)


def _as_is(text: str) -> str:
    return text


def _clean(text: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; MQTT topics and JSON keys can.
    return None if text is None else text.replace("\x00", "\\u0000")


class TelemetryWriter:
    """Holds what a batch write needs across batches: the VIN resolver and the staging setup per connection."""

    def __init__(self, *, resolver: VehicleResolver) -> None:
        self._resolver = resolver
        self._staged_on: psycopg.Connection | None = None
        self._types: list[str] = []
        self._copy = sql.SQL(query("ingest", "copy_staging")).format(columns=_columns())
        self._copy_direct = sql.SQL(query("ingest", "copy_telemetry")).format(columns=_columns())
        self._insert = sql.SQL(query("ingest", "insert_telemetry")).format(columns=_columns())

    def _prepare(self, conn: psycopg.Connection) -> None:
        """Create the temp staging table once per connection and learn the column types for the binary COPY."""
        if self._staged_on is conn:
            return
        with conn.transaction():
            conn.execute(query("ingest", "create_staging"))
            types: dict[str, str] = dict(conn.execute(query("ingest", "column_types")).fetchall())
        self._types = [types[c] for c in TELEMETRY_COLUMNS]
        self._staged_on = conn

    def _store(self, conn: psycopg.Connection, rows: list[tuple[Any, ...]]) -> int:
        """COPY the rows straight into telemetry; return how many were new.

        A redelivered batch (or a re-sent sample) hits the unique (vehicle_id, ts) key: then, and only then, the
        rows go through the staging table and INSERT ... ON CONFLICT DO NOTHING (first write wins). The direct
        COPY halves the database work of the common case, where nothing is stored yet.
        """
        try:
            with conn.transaction(), conn.cursor() as cur, cur.copy(self._copy_direct) as copy:
                copy.set_types(self._types)
                for row in rows:
                    copy.write_row(row)
            return len(rows)
        except psycopg.errors.UniqueViolation:
            pass  # the savepoint is rolled back; take the idempotent path
        with conn.cursor() as cur:
            with cur.copy(self._copy) as copy:
                copy.set_types(self._types)
                for row in rows:
                    copy.write_row(row)
            cur.execute(self._insert)
            return cur.rowcount

    def write(self, conn: psycopg.Connection, *, batch: Sequence[Received]) -> WriteResult:
        """Store a batch in one transaction (idempotent on redelivery) and return its counts.

        `conn` must be in autocommit mode; the transaction is opened here and committed on return. Any
        exception leaves nothing written.
        """
        self._prepare(conn)
        with conn.transaction():
            ids = self._resolver.resolve(
                conn, vins={m.decoded.vin for m in batch if m.decoded.rows and m.decoded.vin}
            )
            rows, rejects = _split(batch, ids)
            inserted = 0
            if rows:
                inserted = self._store(conn, rows)
            if rejects:
                with conn.cursor() as cur, cur.copy(query("ingest", "copy_reject")) as copy:
                    for reject in rejects:
                        copy.write_row(reject)
        offered = len(rows)
        return WriteResult(
            rows=offered,
            inserted=inserted,
            duplicates=offered - inserted,
            rejects=len(rejects),
            reasons=Counter(r[2] for r in rejects),
        )


def _split(
    batch: Sequence[Received], ids: dict[str, int]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Return (telemetry rows, reject rows) of a batch.

    Repeats of a (vehicle, ts) across the messages of one batch are not looked for here (a set of every row's key
    costs more than the rare redelivery): they make the direct COPY fail, and the staging path's ON CONFLICT
    DO NOTHING keeps the first and counts the others as duplicates.
    """
    rows: list[tuple[Any, ...]] = []
    rejects: list[tuple[Any, ...]] = []
    for msg in batch:
        decoded = msg.decoded
        if decoded.rejects:
            topic, vin = _clean(msg.topic), decoded.vin
            for r in decoded.rejects:
                payload = msg.payload if r.fragment is None else r.fragment
                rejects.append(
                    (topic, vin, r.reason, _clean(r.detail), r.sample_index, payload[:REJECT_PAYLOAD_BYTES])
                )
        if not decoded.rows:
            continue
        vehicle_id = ids.get(decoded.vin or "")
        if vehicle_id is None:
            rejects.append(
                (
                    _clean(msg.topic),
                    decoded.vin,
                    "unknown_vehicle",
                    None,
                    None,
                    msg.payload[:REJECT_PAYLOAD_BYTES],
                )
            )
            continue
        rows.extend(
            [(vehicle_id, *row) if row[-1] is None else _with_extra(vehicle_id, row) for row in decoded.rows]
        )
    return rows, rejects


def _with_extra(vehicle_id: int, row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (vehicle_id, *row[:-1], Jsonb(row[-1], dumps=_as_is))
