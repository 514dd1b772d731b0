"""The owner of ``detection_pass`` and ``detection_shard``: a sharded pass, its shards and their leases.

The leader plans a pass as `shards` rows (vehicle id modulo the count); any `carecast detect` process claims one at a
time under a lease it extends while it works (heartbeat), and marks it done. A shard whose lease lapsed (its worker
was killed or lost the database) is claimed again by another worker; a done one never is. The heartbeat runs on its
own thread, so a worker alive but stuck keeps its lease: leases detect dead workers, not slow ones.

Clocks: the pass time (`pass_at`, the `now` the rules judge at) is the caller's, like every other `now`. Lease times
are the database's ``clock_timestamp()``, not the caller's: a lease is a promise between live processes about wall
time, possibly on several hosts whose clocks drift, and a pass may judge at a fixed or past `now` (``--now``) while
leases must still lapse in real seconds. One clock, the server's, for every holder and every claimant.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from core.db import query
from detection.errors import DetectionError
from detection.repository import VehicleShard
from detection.sql import (
    CLAIM_SHARD,
    FINISH_PASS,
    FINISH_SHARD,
    HEARTBEAT_SHARD,
    PLAN_PASS,
    PLAN_SHARDS,
    PRUNE_PASSES,
    RELEASE_SHARD,
    RUNNING_PASS,
    SHARD_PROGRESS,
    SHARD_RESULTS,
)

# A shard claimed this many times without being finished (its worker died on it each time: out of memory, say) is
# given up and its pass fails; the watermark stays, so the next pass judges those vehicles again.
MAX_ATTEMPTS = 3


def worker_id() -> str:
    """Return this process's name as a shard holder: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class ShardedPass:
    """A planned pass: when it judges, how it is cut, what it judges and what it advances the watermark to."""

    id: int
    pass_at: datetime
    shards: int
    lookback_days: int
    scope: str
    # an incremental pass ("changed") judges only these vehicles; None: every vehicle
    vehicle_ids: frozenset[int] | None
    newest_received: datetime | None
    refreshed_from: datetime
    storage_mode: str
    leader: str


@dataclass(frozen=True, slots=True)
class Claim:
    """A shard this worker holds: its pass, its number and how many times it has been claimed (1 = first)."""

    pass_: ShardedPass
    shard: int
    attempts: int

    @property
    def vehicles(self) -> VehicleShard:
        """The shard's slice of the fleet."""
        return VehicleShard(number=self.shard, count=self.pass_.shards)

    def key(self, holder: str) -> dict:
        """The parameters naming this shard and its holder."""
        return {"pass_id": self.pass_.id, "shard": self.shard, "holder": holder}


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a pass is."""

    shards: int
    done: int
    given_up: int


@dataclass(frozen=True, slots=True)
class ShardResult:
    """One shard as it stands: its last holder, claims, and what it judged (None until done)."""

    shard: int
    holder: str | None
    attempts: int
    counts: Mapping[str, Any] | None


def _pass(row: tuple, first: int = 0) -> ShardedPass:
    (id_, pass_at, shards, lookback, scope, ids, newest, refreshed, mode, leader) = row[first : first + 10]
    return ShardedPass(
        id=int(id_), pass_at=pass_at, shards=int(shards), lookback_days=int(lookback), scope=str(scope),
        vehicle_ids=None if ids is None else frozenset(int(v) for v in ids), newest_received=newest,
        refreshed_from=refreshed, storage_mode=str(mode), leader=str(leader),
    )  # fmt: skip


def running_pass(conn: psycopg.Connection) -> ShardedPass | None:
    """Return the pass still running, or None."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query(RUNNING_PASS)).fetchone()
    return None if row is None else _pass(row)


def plan_pass(
    conn: psycopg.Connection,
    *,
    pass_at: datetime,
    shards: int,
    lookback_days: int,
    scope: str,
    vehicle_ids: Iterable[int] | None,
    newest_received: datetime | None,
    refreshed_from: datetime,
    storage_mode: str,
    leader: str,
) -> ShardedPass:
    """Write a pass and its pending shards in one transaction and return it; while another pass runs (two leaders
    during a lock hand-over), return that one instead. Passes that ended over a day ago are deleted."""
    ids = None if vehicle_ids is None else sorted(int(v) for v in vehicle_ids)
    params = {
        "pass_at": pass_at, "shards": shards, "lookback_days": lookback_days, "scope": scope, "vehicle_ids": ids,
        "newest_received": newest_received, "refreshed_from": refreshed_from, "storage_mode": storage_mode,
        "leader": leader,
    }  # fmt: skip
    try:
        with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(query(PRUNE_PASSES))
            row = cur.execute(query(PLAN_PASS), params).fetchone()
            assert row is not None  # INSERT ... RETURNING
            cur.execute(query(PLAN_SHARDS), {"pass_id": row[0], "shards": shards})
    except psycopg.errors.UniqueViolation:
        running = running_pass(conn)
        if running is None:  # it ended in between: the leader's next tick plans again
            raise DetectionError("another pass was running while this one was planned") from None
        return running
    return ShardedPass(
        id=int(row[0]), pass_at=pass_at, shards=shards, lookback_days=lookback_days, scope=scope,
        vehicle_ids=None if ids is None else frozenset(ids), newest_received=newest_received,
        refreshed_from=refreshed_from, storage_mode=storage_mode, leader=leader,
    )  # fmt: skip


def claim(
    conn: psycopg.Connection, *, holder: str, lease_s: float, max_attempts: int = MAX_ATTEMPTS
) -> Claim | None:
    """Claim one shard of the running pass for `holder` for `lease_s` seconds: a pending one or one whose lease
    lapsed; return it, or None when there is none to take."""
    params = {"holder": holder, "lease_s": lease_s, "max_attempts": max_attempts}
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query(CLAIM_SHARD), params).fetchone()
    if row is None:
        return None
    return Claim(pass_=_pass((row[0], *row[3:])), shard=int(row[1]), attempts=int(row[2]))


def heartbeat(conn: psycopg.Connection, *, claim: Claim, holder: str, lease_s: float) -> bool:
    """Extend the lease by `lease_s` seconds from now; return False when `holder` no longer holds the shard."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        return (
            cur.execute(query(HEARTBEAT_SHARD), claim.key(holder) | {"lease_s": lease_s}).fetchone()
            is not None
        )


def finish_shard(conn: psycopg.Connection, *, claim: Claim, holder: str, counts: Mapping[str, Any]) -> bool:
    """Mark the shard done with its `counts`; return False when `holder` had lost it (another worker finishes it)."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        params = claim.key(holder) | {"counts": Jsonb(dict(counts))}
        return cur.execute(query(FINISH_SHARD), params).fetchone() is not None


def release_shard(conn: psycopg.Connection, *, claim: Claim, holder: str) -> bool:
    """Hand the shard back as pending (its worker failed on it); return whether `holder` still held it."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(query(RELEASE_SHARD), claim.key(holder)).fetchone() is not None


def progress(conn: psycopg.Connection, *, pass_id: int, max_attempts: int = MAX_ATTEMPTS) -> Progress:
    """Return how many shards the pass has, how many are done and how many were given up."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(
            query(SHARD_PROGRESS), {"pass_id": pass_id, "max_attempts": max_attempts}
        ).fetchone()
    assert row is not None  # an aggregate
    return Progress(shards=int(row[0]), done=int(row[1]), given_up=int(row[2]))


def shard_results(conn: psycopg.Connection, *, pass_id: int) -> list[ShardResult]:
    """Return every shard of the pass, in shard order."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(query(SHARD_RESULTS), {"pass_id": pass_id}).fetchall()
    return [ShardResult(shard=int(r[0]), holder=r[1], attempts=int(r[2]), counts=r[3]) for r in rows]


def finish_pass(conn: psycopg.Connection, *, pass_id: int, state: str) -> bool:
    """End the running pass as "done" or "failed"; return False when it had ended already. Runs in the caller's
    transaction, so the watermark can advance in the same one."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(query(FINISH_PASS), {"pass_id": pass_id, "state": state}).fetchone() is not None
