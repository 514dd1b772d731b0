"""The decoder thread: messages from paho's network thread -> decode() -> batches -> the writer thread.

Decoding and batching in their own thread lets them run while the writer thread waits for PostgreSQL (psycopg
releases the GIL while the server works through a COPY and a commit), so the next batch is decoded while the last
one commits. At most one finished batch waits for the writer: memory stays bounded by the MQTT receive window
plus a batch per writer and one more.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from core.contracts import vin_from_topic
from ingest.decode import Decoded, Limits, Reject, decode
from ingest.mqtt import Inbound
from ingest.writer import Received

# How often a waiting thread looks at the stop flag.
STOP_CHECK_S = 0.1
# How often a full queue is looked at again by the network thread.
FULL_WAIT_S = 0.001

Decodable = tuple[Inbound, Received]
# A batch and its number in arrival order (0, 1, 2 ...): acks go out in that order (ingest/acks.py).
Numbered = tuple[int, list[Decodable]]


class DecoderThread:
    """Takes messages with `put()`, decodes them in arrival order and hands them on as batches through `batches`:
    up to `batch_rows` rows, or what has arrived `batch_ms` after a batch's first message, whichever comes first.

    Batches are numbered in arrival order; at most `ready_max` finished ones wait for the writers.
    After `finish()` it decodes and hands on what is queued, then sets `done`: no more batches will appear.
    """

    def __init__(
        self,
        *,
        topic_root: str,
        limits: Limits,
        queue_max: int,
        batch_rows: int,
        batch_ms: int,
        log: Any,
        vehicle_ids: Mapping[str, int] | None = None,
        ready_max: int = 1,
    ) -> None:
        self._topic_root = topic_root
        # The writer's VIN -> id cache (read only here): a known vehicle's rows are finished in this thread.
        self._vehicle_ids: Mapping[str, int] = vehicle_ids if vehicle_ids is not None else {}
        self._limits = limits
        self._batch_rows = batch_rows
        self._batch_s = batch_ms / 1000
        self._log = log
        # A C queue (no lock or condition in Python per message); its bound is kept by put().
        self._inbound: queue.SimpleQueue[Inbound] = queue.SimpleQueue()
        self._queue_max = queue_max
        self.batches: queue.Queue[Numbered] = queue.Queue(maxsize=ready_max)
        self._pending = 0  # messages in the batch being built
        self._finishing = threading.Event()
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-decoder", daemon=True)

    def start(self) -> None:
        """Start decoding."""
        self._thread.start()

    def put(self, message: Inbound) -> None:
        """Queue a message; while `queue_max` wait, wait too (back-pressure onto the network thread).

        Only QoS 0 deliveries can fill the queue: the broker has at most receive_maximum (<= queue_max) QoS 1
        messages unacked with us, and every queued message is unacked."""
        inbound = self._inbound
        while inbound.qsize() >= self._queue_max:
            time.sleep(FULL_WAIT_S)
        inbound.put(message)

    def finish(self) -> None:
        """Decode what is queued, then stop."""
        self._finishing.set()

    def depth(self) -> int:
        """Return the messages received and not yet handed to the writer (approximate, for the metrics)."""
        return self._inbound.qsize() + self._pending

    def _run(self) -> None:
        seq = 0
        try:
            while True:
                batch = self._collect()
                if batch:
                    self.batches.put((seq, batch))  # waits while the writers are busy
                    seq += 1
                    self._pending = 0
                elif self._finishing.is_set():
                    return
        finally:
            self._pending = 0
            self.done.set()

    def _collect(self) -> list[Decodable]:
        """Return the next batch; once finishing, close it with what has arrived."""
        inbound, finishing = self._inbound, self._finishing
        try:
            first = inbound.get(timeout=STOP_CHECK_S)
        except queue.Empty:
            return []
        batch = [self.decode(first)]
        rows = len(batch[0][1].decoded.rows)
        deadline = time.monotonic() + self._batch_s
        while rows < self._batch_rows:
            try:
                if finishing.is_set():
                    message = inbound.get_nowait()
                elif (remaining := deadline - time.monotonic()) > 0:
                    message = inbound.get(timeout=min(remaining, STOP_CHECK_S))
                else:
                    break
            except queue.Empty:
                if finishing.is_set():
                    break
                continue
            item = self.decode(message)
            batch.append(item)
            self._pending = len(batch)
            rows += len(item[1].decoded.rows)
        return batch

    def decode(self, message: Inbound) -> Decodable:
        """Return the message with what decode() made of it; a decoder bug costs one message, kept as a reject."""
        try:
            vin = vin_from_topic(self._topic_root, message.topic)
            decoded = decode(
                vin,
                message.payload,
                now=datetime.now(UTC),
                limits=self._limits,
                vehicle_id=self._vehicle_ids.get(vin) if vin is not None else None,
                retained=message.retain,
            )
        except Exception as exc:
            self._log.exception("decode_failed", topic=message.topic[:200])
            decoded = Decoded(vin=None, rejects=[Reject("decode_failed", repr(exc)[:300])])
        return message, Received(message.topic, message.payload, decoded)
