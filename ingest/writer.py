"""Writes one batch of decoded messages to PostgreSQL in one transaction: telemetry via COPY + staging, rejects."""

from __future__ import annotations

import hashlib
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
from ingest.sql import (
    COLUMN_TYPES,
    COPY_STAGING,
    COPY_TELEMETRY,
    CREATE_STAGING,
    INSERT_REJECTS,
    INSERT_TELEMETRY,
)
from ingest.vehicles import VehicleResolver

# Enough of a rejected payload to see what was wrong without letting one bad sender fill the table.
REJECT_PAYLOAD_BYTES = 4096
# Reject rows one message may write; the rest of its rejects become one `too_many_rejects` summary row, so a
# 256 KiB message of 23,500 unknown signals writes 51 rows, not 23,500.
MAX_REJECTS_PER_MESSAGE = 50


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
    rejects: int  # reject rows newly stored
    reasons: Counter[str]  # reject rows newly stored, by reason
    # Rejects already recorded (redelivery, byte-identical re-send), not stored again.
    reject_duplicates: int = 0


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
        self.vehicle_ids = resolver.known
        self._staged_on: psycopg.Connection | None = None
        self._types: list[str] = []
        self._copy = sql.SQL(query(COPY_STAGING)).format(columns=_columns())
        self._copy_direct = sql.SQL(query(COPY_TELEMETRY)).format(columns=_columns())
        self._insert = sql.SQL(query(INSERT_TELEMETRY)).format(columns=_columns())

    def _prepare(self, conn: psycopg.Connection) -> None:
        """Create the temp staging table once per connection and learn the column types for the binary COPY."""
        if self._staged_on is conn:
            return
        with conn.transaction():
            conn.execute(query(CREATE_STAGING))
            types: dict[str, str] = dict(conn.execute(query(COLUMN_TYPES)).fetchall())
        self._types = [types[c] for c in TELEMETRY_COLUMNS]
        self._staged_on = conn

    def warm(self, conn: psycopg.Connection) -> None:
        """Do the per-connection setup and load the VIN cache now, so the first batch does not wait for them."""
        self._prepare(conn)
        self._resolver.resolve(conn, vins=())

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
                conn,
                vins={
                    m.decoded.vin
                    for m in batch
                    if m.decoded.rows and m.decoded.vin and m.decoded.vehicle_id is None
                },
            )
            rows, rejects = _split(batch, ids)
            inserted = 0
            if rows:
                inserted = self._store(conn, rows)
            reasons = _store_rejects(conn, rejects) if rejects else Counter()
        offered, stored_rejects = len(rows), reasons.total()
        return WriteResult(
            rows=offered,
            inserted=inserted,
            duplicates=offered - inserted,
            rejects=stored_rejects,
            reasons=reasons,
            reject_duplicates=len(rejects) - stored_rejects,
        )


_REJECT_FIELDS = ("topic", "vin", "reason", "detail", "sample_index", "payload", "dedup_key")


def _store_rejects(conn: psycopg.Connection, rejects: list[tuple[Any, ...]]) -> Counter[str]:
    """Insert the reject rows (skipping those already recorded); return the stored ones by reason."""
    columns = dict(zip(_REJECT_FIELDS, map(list, zip(*rejects, strict=True)), strict=True))
    stored = conn.execute(query(INSERT_REJECTS), columns).fetchall()
    return Counter(reason for (reason,) in stored)


def message_digest(topic: str, payload: bytes) -> bytes:
    """Return what identifies one message: its topic and its whole payload (hashed once per message)."""
    digest = hashlib.blake2b(topic.encode("utf-8", "surrogatepass"), digest_size=16)
    digest.update(b"\x00")
    digest.update(payload)
    return digest.digest()


def reject_key(message: bytes, reason: str, detail: str | None, sample_index: int | None) -> bytes:
    """Return the key that makes a reject idempotent: the same message delivered again gives the same key.

    `message` is the message's digest (`message_digest`): two different messages never share a reject row even
    when they carry the same bad fragment, and a redelivered (or byte-identical re-sent) message gives the same
    keys. Reason, sample index and detail tell the rejects of one message apart (two bad signals of one sample).
    """
    digest = hashlib.blake2b(message, digest_size=16)
    for part in (reason, detail or "", "" if sample_index is None else str(sample_index)):
        digest.update(b"\x00")
        digest.update(part.encode("utf-8", "surrogatepass"))
    return digest.digest()


def _reject_row(
    message: bytes,
    topic: str,
    vin: str | None,
    reason: str,
    detail: str | None,
    sample_index: int | None,
    offending: bytes,
) -> tuple[Any, ...]:
    return (
        _clean(topic),
        vin,
        reason,
        _clean(detail),
        sample_index,
        offending[:REJECT_PAYLOAD_BYTES],
        reject_key(message, reason, detail, sample_index),
    )


def _message_rejects(msg: Received) -> list[tuple[Any, ...]]:
    """Return the reject rows of one message: at most MAX_REJECTS_PER_MESSAGE, then one summary row."""
    decoded = msg.decoded
    identity = message_digest(msg.topic, msg.payload)
    kept = decoded.rejects[:MAX_REJECTS_PER_MESSAGE]
    rows = [
        _reject_row(
            identity,
            msg.topic,
            decoded.vin,
            r.reason,
            r.detail,
            r.sample_index,
            msg.payload if r.fragment is None else r.fragment,
        )
        for r in kept
    ]
    rest = decoded.rejects[MAX_REJECTS_PER_MESSAGE:]
    if rest:
        by_reason = Counter(r.reason for r in rest)
        detail = f"{len(rest)} more rejects not stored one by one: " + ", ".join(
            f"{reason}={n}" for reason, n in by_reason.most_common()
        )
        rows.append(
            _reject_row(identity, msg.topic, decoded.vin, "too_many_rejects", detail[:500], None, msg.payload)
        )
    return rows


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
            rejects.extend(_message_rejects(msg))
        if not decoded.rows:
            continue
        if decoded.vehicle_id is not None:  # finished COPY rows (decoder thread)
            rows.extend(decoded.rows)
            continue
        vehicle_id = ids.get(decoded.vin or "")
        if vehicle_id is None:
            identity = message_digest(msg.topic, msg.payload)
            rejects.append(
                _reject_row(identity, msg.topic, decoded.vin, "unknown_vehicle", None, None, msg.payload)
            )
            continue
        rows.extend(
            [(vehicle_id, *row) if row[-1] is None else _with_extra(vehicle_id, row) for row in decoded.rows]
        )
    return rows, rejects


def _with_extra(vehicle_id: int, row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (vehicle_id, *row[:-1], Jsonb(row[-1], dumps=_as_is))
