"""Detection I/O: refresh the daily rollup, load it as a frame, and keep the risk table in step with rule results."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg import ClientCursor
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from core.db import SqlFile, StorageMode, query, storage_info
from core.sql import REFRESH_DAILY_POSTGRES, REFRESH_DAILY_TIMESCALE
from detection.errors import DetectionError
from detection.flags import RiskFlag, RuleResult
from detection.frame import (
    DTC_COLUMN,
    FRAME_COLUMNS,
    NUMERIC_COLUMNS,
    SERVICE_HISTORY_COLUMNS,
    empty_frame,
    epoch_day,
)
from detection.sql import (
    LOAD_DAILY,
    LOAD_DTC,
    LOAD_SERVICE,
    LOAD_SERVICE_HISTORY,
    LOAD_WATERMARK,
    RECEIVED_SINCE,
    RESOLVE_RISKS,
    SAVE_WATERMARK,
    UPSERT_QUALITY_FLAG,
    UPSERT_RISK,
)
from domain.vocabulary import RiskKind


@dataclass(frozen=True, slots=True)
class VehicleShard:
    """One shard of the fleet in a sharded pass (detection/sharded.py): the vehicles whose id modulo `count` is
    `number`."""

    number: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.number < self.count:
            raise ValueError(f"shard {self.number} is not one of 0..{self.count - 1}")


def _shard_params(shard: VehicleShard | None) -> dict:
    return {
        "shard": None if shard is None else shard.number,
        "shards": None if shard is None else shard.count,
    }


@dataclass(frozen=True, slots=True)
class SaveCounts:
    """What saving one rule's result changed in the risk table."""

    opened: int = 0
    updated: int = 0
    resolved: int = 0


# The rollup's refresh, by storage engine (a continuous aggregate on TimescaleDB, a table on plain PostgreSQL).
REFRESH_DAILY: dict[StorageMode, SqlFile] = {
    "postgres": REFRESH_DAILY_POSTGRES,
    "timescale": REFRESH_DAILY_TIMESCALE,
}


def refresh_daily(conn: psycopg.Connection, *, start: datetime, end: datetime) -> StorageMode:
    """Recompute ``telemetry_daily`` for [start, end) with the storage mode's refresh SQL; return the mode."""
    # TimescaleDB's refresh_continuous_aggregate runs its own transactions and refuses a transaction block.
    if not conn.autocommit:
        raise DetectionError("refresh_daily needs an autocommit connection")
    mode = storage_info(conn).mode
    conn.execute(query(REFRESH_DAILY[mode]), {"start": start, "end": end})
    return mode


@dataclass(frozen=True, slots=True)
class Arrivals:
    """Telemetry received since the watermark: its oldest event time (within the window), newest receive time and
    the vehicles it came from."""

    oldest_ts: datetime | None
    newest_received: datetime | None
    vehicle_ids: frozenset[int] = frozenset()


def load_watermark(conn: psycopg.Connection) -> datetime | None:
    """Return the highest telemetry.received_at a pass has rolled up, or None before the first pass."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query(LOAD_WATERMARK)).fetchone()
    return None if row is None else row[0]


def received_since(conn: psycopg.Connection, *, since: datetime | None, floor: datetime) -> Arrivals:
    """Return what arrived after `since` (everything when None), counting event times after `floor` only."""
    params = {"since": since if since is not None else datetime.min.replace(tzinfo=UTC), "floor": floor}
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(query(RECEIVED_SINCE), params).fetchall()
    oldest = [r[1] for r in rows if r[1] is not None]
    return Arrivals(
        oldest_ts=min(oldest) if oldest else None,
        newest_received=max((r[2] for r in rows), default=None),
        vehicle_ids=frozenset(int(r[0]) for r in rows),
    )


def save_watermark(conn: psycopg.Connection, *, received_at: datetime) -> None:
    """Advance the watermark to `received_at` (never moves it back)."""
    with conn.transaction():
        conn.execute(query(SAVE_WATERMARK), {"received_at": received_at})


class _CopyStream(io.RawIOBase):
    """A readable stream over the blocks of a ``COPY ... TO STDOUT``: pandas parses while the rows arrive, and the
    whole text (about 130 MB for a 10,000-car fleet) is never held in memory at once."""

    def __init__(self, blocks: Iterable[bytes | bytearray | memoryview]) -> None:
        self._blocks = iter(blocks)
        self._block = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not len(self._block):
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._block = memoryview(block).cast("B")
        n = min(len(buffer), len(self._block))
        buffer[:n] = self._block[:n]
        self._block = self._block[n:]
        return n


def _records(conn: psycopg.Connection, name: SqlFile, params: dict) -> pd.DataFrame:
    """Run a named query through ``COPY ... TO STDOUT (FORMAT csv)`` and parse it with pandas.

    A fleet's rollup is about a million rows: COPY streams it as text and pandas parses it in C, where fetching
    rows as Python tuples first took most of a pass and over a gigabyte of memory (bench/detection.py)."""
    # COPY takes no bind parameters: the values are bound client-side (quoted literals), never formatted by hand.
    select = ClientCursor(conn).mogrify(query(name).strip().rstrip(";"), params)
    with conn.cursor() as cur, cur.copy(f"COPY ({select}) TO STDOUT (FORMAT csv, HEADER true)") as copy:
        stream = io.BufferedReader(_CopyStream(copy), buffer_size=1 << 20)
        # The vehicle's labels repeat on every row: parsed as categories, then one shared string object per label.
        frame = pd.read_csv(stream, dtype={"powertrain": "category", "region": "category"})
    for column in ("powertrain", "region"):
        if column in frame:
            frame[column] = frame[column].astype("object")
    frame["vehicle_id"] = frame["vehicle_id"].astype("int64")
    day = pd.to_datetime(frame["day"], utc=True, format="ISO8601")
    frame["day"] = day.dt.tz_localize(None).astype("datetime64[ns]")
    return frame


def _day_keys(frame: pd.DataFrame) -> np.ndarray:
    """Return one sortable int64 per (vehicle, day) row: the vehicle id, then the day number since 1970."""
    days = frame["day"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")
    return frame["vehicle_id"].to_numpy(dtype="int64") * 1_000_000 + days


def load_frame(
    conn: psycopg.Connection,
    *,
    start: datetime,
    now: datetime,
    service_days: int = 14,
    vehicle_ids: Iterable[int] | None = None,
    dtc_days: int = 30,
    shard: VehicleShard | None = None,
) -> pd.DataFrame:
    """Return the daily rollup rows with start < day <= now, joined with powertrain and region, plus the service
    countdown of the last `service_days` days and the DTC lists of the last `dtc_days` read from raw telemetry (see
    frame.py); every vehicle, or only `vehicle_ids` when given, and of those only the `shard`'s when given."""
    ids = None if vehicle_ids is None else sorted(int(v) for v in vehicle_ids)
    if ids == []:
        return empty_frame()
    which = {"vehicle_ids": ids, **_shard_params(shard)}
    frame = _records(conn, LOAD_DAILY, {"start": start, "now": now, **which})
    if frame.empty:
        return empty_frame()
    # Sorted here, not in SQL (see load_daily.sql); the service countdown is then placed by binary search on the
    # (vehicle, day) key instead of a merge, which copied every column of the fleet once more.
    frame = frame.sort_values(["vehicle_id", "day"], ignore_index=True)
    since = max(start, now - timedelta(days=service_days))
    service = _records(conn, LOAD_SERVICE, {"start": since, "now": now, **which})
    keys = _day_keys(frame)
    found = np.zeros(0, dtype="int64")
    at = np.zeros(0, dtype="int64")
    if not service.empty:
        wanted = _day_keys(service)
        pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        hit = keys[pos] == wanted
        found, at = pos[hit], np.flatnonzero(hit)
    history = load_service_history(conn, now=now, vehicle_ids=ids, shard=shard)
    for column in NUMERIC_COLUMNS:
        if column in SERVICE_HISTORY_COLUMNS:
            frame[column] = frame["vehicle_id"].map(history[column]).astype("float64")
        elif column in ("service_km", "service_s"):
            values = np.full(len(frame), np.nan)
            if column in service:
                source = pd.to_numeric(service[column], errors="coerce").to_numpy(dtype="float64")
                values[found] = source[at]
            frame[column] = values
        elif column not in frame:
            frame[column] = np.nan
        elif frame[column].dtype != "float64":
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    recent = max(start, now - timedelta(days=dtc_days))
    dtc = _records(conn, LOAD_DTC, {"start": recent, "now": now, **which})
    frame[DTC_COLUMN] = _dtc_codes(keys, dtc)
    return frame[list(FRAME_COLUMNS)]


def _dtc_codes(keys: np.ndarray, dtc: pd.DataFrame) -> np.ndarray:
    """Return per frame row (sorted `keys`) the day's reported DTC list: entries joined by spaces, "" when the list
    was empty, None when the car sent none that day."""
    out = np.full(len(keys), None, dtype=object)
    if dtc.empty or not len(keys):
        return out
    wanted = _day_keys(dtc)
    pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    hit = keys[pos] == wanted
    # Every row of LOAD_DTC is a reported list; COPY's CSV reads an empty one back as missing.
    text = dtc["dtc_list"].astype("object").where(dtc["dtc_list"].notna(), "").to_numpy(dtype=object)
    out[pos[hit]] = text[hit]
    return out


def load_service_history(
    conn: psycopg.Connection,
    *,
    now: datetime,
    vehicle_ids: Iterable[int] | None = None,
    shard: VehicleShard | None = None,
) -> pd.DataFrame:
    """Return the maintenance rule's service history per vehicle, indexed by vehicle id, with the float columns of
    ``frame.SERVICE_HISTORY_COLUMNS`` (days as `epoch_day`; NaN when unknown); visits after `now` are not seen."""
    ids = None if vehicle_ids is None else sorted(int(v) for v in vehicle_ids)
    with conn.cursor(row_factory=tuple_row) as cur:
        params = {"now": now, "vehicle_ids": ids, **_shard_params(shard)}
        rows = cur.execute(query(LOAD_SERVICE_HISTORY), params).fetchall()
    data = {
        "last_maintenance_day": [np.nan if r[1] is None else float(epoch_day(r[1])) for r in rows],
        "in_service_day": [np.nan if r[2] is None else float(epoch_day(r[2])) for r in rows],
        "service_basis_km": [np.nan if r[3] is None else float(r[3]) for r in rows],
    }
    index = pd.Index([int(r[0]) for r in rows], dtype="int64", name="vehicle_id")
    return pd.DataFrame(data, index=index, columns=list(SERVICE_HISTORY_COLUMNS), dtype="float64")


def _params(flag: RiskFlag, now: datetime) -> dict:
    return {
        "vehicle_id": flag.vehicle_id, "kind": str(flag.kind), "rule_id": flag.rule_id,
        "rule_version": flag.rule_version, "severity": str(flag.severity), "confidence": flag.confidence,
        "predicted_date": flag.predicted_date, "predicted_low": flag.predicted_low,
        "predicted_high": flag.predicted_high, "diagnosis": flag.diagnosis, "evidence": Jsonb(flag.evidence.to_json()),
        "now": now,
    }  # fmt: skip


def save_result(conn: psycopg.Connection, *, result: RuleResult, now: datetime) -> SaveCounts:
    """Upsert one open risk per flagged vehicle and resolve the open risks of vehicles the rule cleared."""
    opened = updated = 0
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        if result.flags:
            # One pipelined batch instead of a round trip per flag (thousands on a full pass over a big fleet).
            cur.executemany(query(UPSERT_RISK), [_params(f, now) for f in result.flags], returning=True)
            for flag in result.flags:
                row = cur.fetchone()
                if row is None:
                    raise DetectionError(f"risk upsert returned no row for vehicle {flag.vehicle_id}")
                inserted = bool(row[1])
                opened, updated = opened + inserted, updated + (not inserted)
                cur.nextset()
        resolved = _resolve(cur, kind=result.kind, vehicle_ids=result.cleared_vehicle_ids, now=now)
    return SaveCounts(opened=opened, updated=updated, resolved=resolved)


def _resolve(cur: psycopg.Cursor, *, kind: RiskKind, vehicle_ids: Iterable[int], now: datetime) -> int:
    ids = sorted(vehicle_ids)
    if not ids:
        return 0
    cur.execute(query(RESOLVE_RISKS), {"kind": str(kind), "vehicle_ids": ids, "now": now})
    return len(cur.fetchall())


def save_quality(conn: psycopg.Connection, *, issues: pd.DataFrame, now: datetime) -> int:
    """Record the data-quality issues the guard found (one row per vehicle, day and issue); return how many."""
    params = [
        {"vehicle_id": int(r.vehicle_id), "day": pd.Timestamp(r.day).date(), "issue": r.issue,
         "detail": Jsonb(dict(r.detail)), "now": now}
        for r in issues.itertuples(index=False)
    ]  # fmt: skip
    if params:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(query(UPSERT_QUALITY_FLAG), params)
    return len(params)
