"""The ingester: MQTT messages -> decoder thread -> writer threads (batch, commit, then ack in arrival order).

Each writer has its own database connection, so one batch is sent while the database works through (and
commits) the one before: the database's time is no longer added to the ingester's. Queues are bounded.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

import psycopg

from core.db import connect
from ingest.acks import InOrderAcks
from ingest.decode import Decoded, Limits, Reject
from ingest.decode_thread import STOP_CHECK_S, Decodable, DecoderThread, Numbered
from ingest.metrics import IngestMetrics
from ingest.mqtt import Inbound, TelemetrySubscriber
from ingest.retention import RejectPruner
from ingest.settings import IngestSettings
from ingest.vehicles import VehicleResolver
from ingest.writer import Received, TelemetryWriter, WriteResult

# Errors that depend on the data, not on the database's health: retrying the same rows cannot help.
_DATA_ERRORS = (psycopg.DataError, psycopg.IntegrityError)


@dataclass(frozen=True, slots=True)
class IngestCounters:
    """Running totals since start."""

    received: int = 0
    batches: int = 0
    messages: int = 0
    rows: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejects: int = 0
    reject_duplicates: int = 0
    acked: int = 0
    db_errors: int = 0


class _Lane:
    """One writer thread's database connection and its per-connection writer state."""

    def __init__(self, settings: IngestSettings, resolver: VehicleResolver) -> None:
        self._settings = settings
        self.writer = TelemetryWriter(resolver=resolver)
        self._conn: psycopg.Connection | None = None

    def connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self._settings.database, autocommit=True)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Ingester:
    """Runs the subscriber, the decoder and the writer threads; `start()`, then `stop()` (or SIGTERM in
    __main__)."""

    def __init__(self, settings: IngestSettings, *, log: Any) -> None:
        self._settings = settings
        self._tuning = settings.ingest
        self._log = log
        self.metrics = IngestMetrics()
        # on_message blocks when the queue is full: back-pressure instead of dropping (receive_maximum keeps
        # the broker from sending more than that many unacked messages anyway).
        self._subscriber = TelemetrySubscriber(
            settings, on_inbound=self._enqueue, on_connection=self.metrics.connected.set, log=log
        )
        resolver = VehicleResolver(unknown_ttl_s=self._tuning.unknown_vin_ttl_s)
        self._lanes = [_Lane(settings, resolver) for _ in range(self._tuning.writers)]
        self._acks: InOrderAcks[Inbound] = InOrderAcks(self._ack)
        self._decoder = DecoderThread(
            topic_root=settings.mqtt.topic_root,
            limits=Limits(
                max_bytes=self._tuning.max_payload_bytes,
                max_future=timedelta(seconds=self._tuning.max_future_s),
                max_age=timedelta(days=self._tuning.retention_days),
            ),
            queue_max=self._tuning.queue_max,
            batch_rows=self._tuning.batch_rows,
            batch_ms=self._tuning.batch_ms,
            log=log,
            vehicle_ids=resolver.known,
            ready_max=self._tuning.writers,
        )
        self._stopping = threading.Event()
        self._retiring = threading.Event()
        self._never = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-writers", daemon=True)
        self._lock = threading.Lock()
        self._counters = IngestCounters()
        # Written only by paho's network thread (a plain int: this is the per-message hot path).
        self._received = 0
        self.abandoned = False
        self.metrics_port: int | None = None
        self._pruner = (
            RejectPruner(
                settings.database,
                retention_days=self._tuning.reject_retention_days,
                interval_s=self._tuning.reject_prune_interval_s,
                log=log,
            )
            if self._tuning.reject_retention_days
            else None
        )
        self.metrics.watch(
            received=lambda: self._received,
            queue_depth=self._decoder.depth,
            unacked=lambda: self._received - self._counters.acked,
        )

    @property
    def counters(self) -> IngestCounters:
        """Return a snapshot of the running totals."""
        with self._lock:
            return replace(self._counters, received=self._received)

    @property
    def subscribed(self) -> threading.Event:
        """Set once the broker has granted the subscription."""
        return self._subscriber.subscribed

    def start(self) -> None:
        """Serve metrics (when configured), start the writer thread and connect to the broker."""
        if self._tuning.metrics_port:
            self.metrics_port = self.metrics.serve(
                host=self._tuning.metrics_host, port=self._tuning.metrics_port
            )
        self._decoder.start()
        self._thread.start()
        self._subscriber.start()
        if self._pruner is not None:
            self._pruner.start()

    def request_stop(self) -> None:
        """Stop taking messages; the writer flushes, commits and acks what it holds, then disconnects."""
        self._subscriber.stop_receiving()
        self._stopping.set()
        self._decoder.finish()

    @property
    def retiring(self) -> bool:
        """True once retire() was called."""
        return self._retiring.is_set()

    def retire(self) -> None:
        """Leave the subscription for good: unsubscribe, drain and commit what the broker still holds for this
        client, then stop and end its session, so no share of a shared subscription waits for it (any thread)."""
        if self._retiring.is_set() or self._stopping.is_set():
            return
        self._retiring.set()
        self._log.info("retire_started", received=self._received)
        self._subscriber.retire()
        threading.Thread(target=self._stop_when_drained, name="ingest-retire", daemon=True).start()

    def _stop_when_drained(self) -> None:
        while not self._subscriber.drained.wait(STOP_CHECK_S):
            if self._stopping.is_set():  # a plain stop came first: the session (and its queue) stays
                return
        self.request_stop()

    def stop(self, timeout: float | None = None) -> bool:
        """Request a stop and wait for the writer to finish; return True when it has."""
        self.request_stop()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the writer thread; return True when it has finished."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _enqueue(self, message: Inbound) -> None:
        self._decoder.put(message)
        self._received += 1

    def _run(self) -> None:
        """Run the writer threads until the decoder is done and every batch is written; then clean up."""
        writers = [
            threading.Thread(target=self._write_batches, args=(lane,), name=f"ingest-writer-{n}", daemon=True)
            for n, lane in enumerate(self._lanes)
        ]
        try:
            for writer in writers:
                writer.start()
            for writer in writers:
                writer.join()
        finally:
            if self._pruner is not None:
                self._pruner.stop()
            # End the session only when everything it delivered is committed and acked (else it is redelivered).
            retired = self._subscriber.drained.is_set() and not self.abandoned
            retired = retired and self.counters.acked == self.counters.received
            self._subscriber.close(end_session=retired)
            if self._retiring.is_set():
                self._log.info("ingest_retired" if retired else "retire_incomplete", session_ended=retired)
            for lane in self._lanes:
                lane.close()
            self.metrics.close()
            self._log.info("ingest_stopped", **asdict(self.counters))

    def _write_batches(self, lane: _Lane) -> None:
        try:
            self._warm_up(lane)
            while True:
                numbered = self._collect()
                if numbered is not None:
                    self._flush(lane, *numbered)
                elif self._decoder.done.is_set() and self._decoder.batches.empty():
                    break
        except BaseException:
            # A bug, not the database (that is retried): stop taking messages; what is not acked is redelivered.
            self._log.exception("writer_failed")
            self.request_stop()
            raise

    def _warm_up(self, lane: _Lane) -> None:
        """Connect to the database while the broker connection comes up; a failure here is only logged (the
        first batch connects again, with retries)."""
        try:
            lane.writer.warm(lane.connection())
        except Exception as exc:
            lane.close()
            self._log.warning("database_not_ready", error=str(exc)[:300], error_type=type(exc).__name__)

    def _collect(self) -> Numbered | None:
        """Return the next batch the decoder has finished, None when none is ready yet."""
        try:
            return self._decoder.batches.get(timeout=STOP_CHECK_S)
        except queue.Empty:
            return None

    def _ack(self, messages: Sequence[Inbound]) -> None:
        """Send the PUBACKs of a committed batch (called by InOrderAcks, in arrival order)."""
        self._subscriber.ack_all(messages)
        self.metrics.ack_lag.set(time.monotonic() - messages[0].arrived)

    def _flush(self, lane: _Lane, seq: int, batch: list[Decodable]) -> None:
        """Write a batch until it commits, then ack it once every batch before it is committed too."""
        started = time.perf_counter()
        result = self._write_until_committed(lane, [received for _, received in batch])
        if result is None:
            self._acks.abandoned(seq)
            return
        acked = self._acks.committed(seq, [message for message, _ in batch])
        seconds = time.perf_counter() - started
        self.metrics.count_batch(
            messages=len(batch),
            inserted=result.inserted,
            duplicates=result.duplicates,
            reasons=result.reasons,
            seconds=seconds,
        )
        with self._lock:
            c = self._counters
            self._counters = replace(
                c,
                batches=c.batches + 1,
                messages=c.messages + len(batch),
                rows=c.rows + result.rows,
                inserted=c.inserted + result.inserted,
                duplicates=c.duplicates + result.duplicates,
                rejects=c.rejects + result.rejects,
                reject_duplicates=c.reject_duplicates + result.reject_duplicates,
                acked=c.acked + acked,
            )
        self._log.info(
            "batch",
            seq=seq,
            messages=len(batch),
            rows=result.rows,
            inserted=result.inserted,
            duplicates=result.duplicates,
            rejects=result.rejects,
            reasons=dict(result.reasons) or None,
            reject_duplicates=result.reject_duplicates or None,
            acked=acked,
            queue_depth=self._decoder.depth(),
            ms=round(seconds * 1000, 1),
        )

    def _write_until_committed(self, lane: _Lane, batch: list[Received]) -> WriteResult | None:
        """Return the counts once the batch is committed; None only when shutting down with the database away."""
        delay = self._tuning.retry_initial_s
        give_up_at: float | None = None
        while True:
            try:
                try:
                    return lane.writer.write(lane.connection(), batch=batch)
                except _DATA_ERRORS as exc:
                    return self._write_isolated(lane, batch, first_error=exc)
            # The database is away or refuses (or a bug): the batch stays unacked and is retried, never dropped.
            # Two writers' batches holding the same (vehicle, ts) (a redelivery) can deadlock: also retried.
            except Exception as exc:
                lane.close()
                with self._lock:
                    self._counters = replace(self._counters, db_errors=self._counters.db_errors + 1)
                self.metrics.db_errors.inc()
                self._log.warning(
                    "batch_retry", error=str(exc)[:300], error_type=type(exc).__name__, retry_in_s=delay
                )
            if self._stopping.is_set():
                give_up_at = give_up_at or time.monotonic() + self._tuning.shutdown_grace_s
                if time.monotonic() >= give_up_at:
                    self._log.error("batch_abandoned_unacked", messages=len(batch))
                    self.abandoned = True
                    return None
            # Before a stop, a stop request cuts the wait short (to start the grace period); after it, wait fully.
            (self._never if self._stopping.is_set() else self._stopping).wait(delay)
            delay = min(delay * 2, self._tuning.retry_max_s)

    def _write_isolated(self, lane: _Lane, batch: list[Received], *, first_error: Exception) -> WriteResult:
        """Write message by message so one the database refuses becomes a 'db_rejected' reject, not a stuck batch.

        Each message commits on its own; if the database goes away halfway, the whole batch is retried, which is
        harmless: telemetry and rejects already written are skipped (ON CONFLICT DO NOTHING on both).
        """
        self._log.warning("batch_isolating", error=str(first_error)[:300], messages=len(batch))
        total = WriteResult(0, 0, 0, 0, Counter(), 0)
        for received in batch:
            try:
                result = lane.writer.write(lane.connection(), batch=[received])
            except _DATA_ERRORS as exc:
                refused = Decoded(vin=received.decoded.vin, rejects=[Reject("db_rejected", str(exc)[:500])])
                result = lane.writer.write(lane.connection(), batch=[replace(received, decoded=refused)])
            total = WriteResult(
                rows=total.rows + result.rows,
                inserted=total.inserted + result.inserted,
                duplicates=total.duplicates + result.duplicates,
                rejects=total.rejects + result.rejects,
                reasons=total.reasons + result.reasons,
                reject_duplicates=total.reject_duplicates + result.reject_duplicates,
            )
        return total
