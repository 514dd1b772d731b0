"""One leader at a time: a PostgreSQL session advisory lock held on a dedicated connection.

The lock lives as long as the session: when the holder exits or is killed (even SIGKILL), the kernel closes its
socket, the server ends the backend and releases the lock, and a waiting process takes it on its next try. TCP
keepalives make the server notice a holder whose whole host vanished, too. The lock connection is never a pool
connection: a pool may close, recycle or share connections, which would drop or leak a session lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import conninfo
from psycopg.rows import tuple_row

from core.db import query
from core.settings import DatabaseSettings
from core.sql import LEADER_HOLDER, LEADER_RELEASE, LEADER_TRY

# libpq connection parameters: the server side of a vanished host is noticed in about 25 s.
_KEEPALIVE = "keepalives=1 keepalives_idle=10 keepalives_interval=5 keepalives_count=3"


def lock_key(spelling: bytes) -> int:
    """Return a fixed, positive 64-bit advisory lock key spelled by up to 8 bytes (the key space is shared by
    everything on the database, so each service spells its own, e.g. b"ccdetect")."""
    return int.from_bytes(spelling, "big") & 0x7FFF_FFFF_FFFF_FFFF


class LeaderLock:
    """A service's advisory lock on its own autocommit connection; log events are named ``{name}.lock_*``."""

    def __init__(
        self, database: DatabaseSettings, *, key: int, name: str, application_name: str, log: Any
    ) -> None:
        self._database = database
        self._key = key
        self._name = name
        self._application_name = application_name
        self._log = log
        self._conn: psycopg.Connection | None = None

    def acquire(self, *, stopping: Callable[[], bool], poll_s: float) -> bool:
        """Wait until this process holds the lock (True) or `stopping()` turns true (False)."""
        started, waiting_logged = time.monotonic(), False
        while not stopping():
            try:
                if self._try():
                    self._log.info(
                        f"{self._name}.lock_taken",
                        key=self._key,
                        waited_s=round(time.monotonic() - started, 1),
                    )
                    return True
                if not waiting_logged:
                    self._log.info(f"{self._name}.lock_waiting", key=self._key, holder_pid=self._holder())
                    waiting_logged = True
            except psycopg.OperationalError as exc:  # database down or restarting: keep trying
                self._log.warning(f"{self._name}.lock_unavailable", key=self._key, error=str(exc))
                self._close()
            _sleep_unless(stopping, poll_s)
        return False

    def held(self) -> bool:
        """Return whether the lock's session is still alive (a lost connection means a lost lock, logged)."""
        conn = self._conn
        if conn is not None and not conn.closed:
            try:
                conn.execute("SELECT 1")
                return True
            except psycopg.Error:
                self._close()
        self._log.warning(f"{self._name}.lock_lost")
        return False

    def release(self) -> None:
        """Give the lock up (closing the session releases it in any case)."""
        if self._conn is not None and not self._conn.closed:
            try:
                self._conn.execute(query(LEADER_RELEASE), {"key": self._key})
                self._log.info(f"{self._name}.lock_released", key=self._key)
            except psycopg.Error:
                pass
        self._close()

    def _try(self) -> bool:
        if self._conn is None or self._conn.closed:
            dsn = conninfo.make_conninfo(
                self._database.url,
                application_name=self._application_name,
                **conninfo.conninfo_to_dict(_KEEPALIVE),
            )
            self._conn = psycopg.connect(dsn, autocommit=True)
        with self._conn.cursor(row_factory=tuple_row) as cur:
            row = cur.execute(query(LEADER_TRY), {"key": self._key}).fetchone()
        return bool(row and row[0])

    def _holder(self) -> int | None:
        if self._conn is None:
            return None
        with self._conn.cursor(row_factory=tuple_row) as cur:
            row = cur.execute(query(LEADER_HOLDER), {"key": self._key}).fetchone()
        return None if row is None else int(row[0])

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None


def _sleep_unless(stopping: Callable[[], bool], seconds: float, *, slice_s: float = 0.25) -> None:
    deadline = time.monotonic() + seconds
    while not stopping() and time.monotonic() < deadline:
        time.sleep(min(slice_s, max(0.0, deadline - time.monotonic())))
