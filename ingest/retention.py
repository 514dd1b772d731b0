"""Retention of ``ingest_reject`` (the table ingest owns): rows older than the setting are deleted in slices by a
background thread of the ingester, once at start and then every ``reject_prune_interval_s``."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from core.db import connect, query
from core.settings import DatabaseSettings
from ingest.sql import PRUNE_REJECTS

# Rows per DELETE: short transactions, so pruning never holds locks the writers wait for.
PRUNE_SLICE = 5000


def prune_rejects(conn: psycopg.Connection, *, cutoff: datetime, slice_rows: int = PRUNE_SLICE) -> int:
    """Delete every reject received before `cutoff`, one committed slice at a time; return how many."""
    if not conn.autocommit:
        raise ValueError("prune_rejects needs an autocommit connection: it commits one slice at a time")
    deleted = 0
    while True:
        n = conn.execute(query(PRUNE_REJECTS), {"cutoff": cutoff, "limit": slice_rows}).rowcount
        deleted += n
        if n < slice_rows:
            return deleted


class RejectPruner:
    """A daemon thread that keeps ``ingest_reject`` within its retention; failures are logged and retried later."""

    def __init__(
        self, database: DatabaseSettings, *, retention_days: int, interval_s: float, log: Any
    ) -> None:
        self._database = database
        self._retention = timedelta(days=retention_days)
        self._interval_s = interval_s
        self._log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-reject-pruner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.prune_once()
            self._stop.wait(self._interval_s)

    def prune_once(self) -> int:
        """Run one pruning pass and log it; return the rows deleted (0 when the database was unreachable)."""
        started = time.monotonic()
        cutoff = datetime.now(UTC) - self._retention
        try:
            with connect(self._database, autocommit=True) as conn:
                deleted = prune_rejects(conn, cutoff=cutoff)
        except psycopg.Error as exc:
            self._log.warning(
                "ingest.rejects_prune_failed", error=str(exc)[:300], error_type=type(exc).__name__
            )
            return 0
        (self._log.info if deleted else self._log.debug)(
            "ingest.rejects_pruned",
            deleted=deleted,
            cutoff=cutoff.isoformat(),
            elapsed_ms=int((time.monotonic() - started) * 1000),
        )
        return deleted
