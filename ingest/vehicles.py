"""VIN -> vehicle id: a cache warmed from the `vehicle` table, with lookup on miss and a short negative cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping

import psycopg

from core.db import query
from ingest.sql import VEHICLE_IDS, VEHICLE_IDS_FOR

# Past this many remembered unknown VINs, forget the expired ones (keeps a flood of bogus VINs from growing it).
_UNKNOWN_PRUNE_AT = 10_000


class VehicleResolver:
    """Resolves VINs to vehicle ids; unknown VINs are remembered as unknown for `unknown_ttl_s` seconds."""

    def __init__(self, *, unknown_ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._known: dict[str, int] = {}
        self._unknown_until: dict[str, float] = {}
        self._unknown_ttl_s = unknown_ttl_s
        self._clock = clock
        self._warm = False
        self._lock = threading.Lock()  # the writer threads share one resolver

    @property
    def known(self) -> Mapping[str, int]:
        """Return the live VIN -> id cache (only ever grows; safe to read from another thread)."""
        return self._known

    def resolve(self, conn: psycopg.Connection, *, vins: Iterable[str]) -> dict[str, int]:
        """Return {vin: vehicle_id} for the VINs that are registered; unknown ones are left out."""
        with self._lock:
            return self._resolve(conn, vins)

    def _resolve(self, conn: psycopg.Connection, vins: Iterable[str]) -> dict[str, int]:
        if not self._warm:
            self._known.update(conn.execute(query(VEHICLE_IDS)).fetchall())
            self._warm = True
        now = self._clock()
        wanted = set(vins)
        missing = [v for v in wanted if v not in self._known and self._unknown_until.get(v, 0.0) <= now]
        if len(self._unknown_until) > _UNKNOWN_PRUNE_AT:
            self._unknown_until = {v: t for v, t in self._unknown_until.items() if t > now}
        if missing:
            found: dict[str, int] = dict(conn.execute(query(VEHICLE_IDS_FOR), {"vins": missing}).fetchall())
            self._known.update(found)
            for vin in missing:
                if vin in found:
                    self._unknown_until.pop(vin, None)
                else:
                    self._unknown_until[vin] = now + self._unknown_ttl_s
        return {v: self._known[v] for v in wanted if v in self._known}
