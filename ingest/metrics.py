"""Prometheus metrics of one ingester, in a registry of its own (several ingesters may share a test process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from core.metrics import MetricsEndpoint
from ingest.decode import REASONS

# Reasons added outside decode's catalog: the VIN is not registered; the database refused the message;
# decode itself failed (a bug, kept with the payload for the post-mortem).
WRITER_REASONS = ("unknown_vehicle", "db_rejected", "decode_failed", "too_many_rejects")
# A batch normally commits in 5-200 ms; the long tail covers lock waits and database retries.
_BATCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class _ReadAtScrape(Collector):
    """A counter read from a live value at scrape time (incrementing a Counter per message costs a lock)."""

    def __init__(self, name: str, documentation: str) -> None:
        self._name, self._documentation = name, documentation
        self.read: Callable[[], float] = lambda: 0.0

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(self._name, self._documentation, value=self.read())


class IngestMetrics(MetricsEndpoint):
    """Counters and gauges of messages, rows, rejects by reason, batch latency, queue depth and ack lag."""

    def __init__(self) -> None:
        super().__init__(CollectorRegistry(auto_describe=True))
        r = self.registry
        self._received = _ReadAtScrape("carecast_ingest_received_messages", "MQTT messages received")
        r.register(self._received)
        self.messages = Counter("carecast_ingest_messages", "MQTT messages committed and acked", registry=r)
        self.rows = Counter(
            "carecast_ingest_rows", "Telemetry rows written, by result", ["result"], registry=r
        )
        self.rejects = Counter(
            "carecast_ingest_rejects", "Reject rows written, by reason", ["reason"], registry=r
        )
        self.batches = Counter("carecast_ingest_batches", "Batches committed", registry=r)
        self.db_errors = Counter(
            "carecast_ingest_db_errors", "Failed batch writes (retried, never dropped)", registry=r
        )
        self.batch_seconds = Histogram(
            "carecast_ingest_batch_seconds",
            "Time from a batch's write start to its commit and acks, retries included",
            buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "carecast_ingest_queue_depth", "Messages received and waiting for the writer", registry=r
        )
        self.unacked = Gauge(
            "carecast_ingest_unacked_messages", "Messages received but not yet acked", registry=r
        )
        self.ack_lag = Gauge(
            "carecast_ingest_ack_lag_seconds",
            "Age at ack time of the oldest message of the last committed batch",
            registry=r,
        )
        self.connected = Gauge("carecast_ingest_connected", "1 while connected to the broker", registry=r)
        for reason in (*REASONS, *WRITER_REASONS):
            self.rejects.labels(reason=reason)
        for result in ("inserted", "duplicate"):
            self.rows.labels(result=result)

    def watch(
        self,
        *,
        received: Callable[[], float],
        queue_depth: Callable[[], float],
        unacked: Callable[[], float],
    ) -> None:
        """Read the received counter and the two gauges from the live objects at scrape time."""
        self._received.read = received
        self.queue_depth.set_function(queue_depth)
        self.unacked.set_function(unacked)

    def count_batch(
        self, *, messages: int, inserted: int, duplicates: int, reasons: Mapping[str, int], seconds: float
    ) -> None:
        """Record one committed and acked batch."""
        self.messages.inc(messages)
        self.batches.inc()
        self.rows.labels(result="inserted").inc(inserted)
        self.rows.labels(result="duplicate").inc(duplicates)
        for reason, n in reasons.items():
            self.rejects.labels(reason=reason).inc(n)
        self.batch_seconds.observe(seconds)
