"""Prometheus metrics of one notify process, fed from each run's reports, in a registry of its own."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import psycopg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from core.db import query
from core.metrics import MetricsEndpoint
from notify.aftercare import AftercareReport
from notify.job import PassReport
from notify.outbox import OutboxReport
from notify.push import PushReport
from notify.sql import OUTBOX_BACKLOG

# "ok": every case moved on; "risk_errors": the pass finished but some risks failed (retried next pass);
# "failed": the run raised (database gone, a bug).
RESULTS = ("ok", "risk_errors", "failed")
STEPS = (
    "notified",
    "suggestions",
    "without_options",
    "skipped",
    "failed",
    "expired",
    "replanned",
    "closed",
    "verified",
)
OUTBOXES = ("messages", "deliveries", "pushes")
# From a quiet pass (milliseconds) to one moving many cases on a loaded database (minutes).
_PASS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


@dataclass(frozen=True, slots=True)
class Backlog:
    """What waits in one outbox: how many items, and the age of the oldest in seconds (0 when none)."""

    pending: int
    oldest_s: float


class NotifyMetrics(MetricsEndpoint):
    """Passes and push runs by result, case steps, dispatches, deliveries (dead ones too) and outbox backlog."""

    def __init__(self) -> None:
        super().__init__(CollectorRegistry(auto_describe=True))
        r = self.registry
        self.passes = Counter(
            "carecast_notify_passes",
            "Notify passes, by result (ok, risk_errors, failed)",
            ["result"],
            registry=r,
        )
        self.push_runs = Counter(
            "carecast_notify_push_runs",
            "Center webhook push runs, by result (ok, failed)",
            ["result"],
            registry=r,
        )
        self.pass_seconds = Histogram(
            "carecast_notify_pass_duration_seconds",
            "Wall time of a finished pass: conversations, aftercare and outbox",
            buckets=_PASS_BUCKETS,
            registry=r,
        )
        self.steps = Counter(
            "carecast_notify_case_steps",
            "What passes did with the risks they looked at, by step",
            ["step"],
            registry=r,
        )
        self.pending_risks = Gauge(
            "carecast_notify_pending_risks",
            "Risks needing attention at the last pass (up to the batch limit)",
            registry=r,
        )
        self.aftercare = Counter(
            "carecast_notify_aftercare",
            "Surveys queued and outreach tasks created, by kind",
            ["kind"],
            registry=r,
        )
        self.dispatches = Counter(
            "carecast_notify_dispatches",
            "Owners' due messages merged and sent (dispatched) or held by quiet hours / frequency cap (deferred)",
            ["result"],
            registry=r,
        )
        self.deliveries = Counter(
            "carecast_notify_deliveries",
            "Delivery attempts' outcomes: owner channels and center webhook pushes; dead = retries exhausted",
            ["target", "result"],
            registry=r,
        )
        self.outbox_pending = Gauge(
            "carecast_notify_outbox_pending",
            "Items waiting in each outbox at the last pass",
            ["outbox"],
            registry=r,
        )
        self.outbox_oldest = Gauge(
            "carecast_notify_outbox_oldest_seconds",
            "Age of the oldest item waiting in each outbox at the last pass (0 when empty)",
            ["outbox"],
            registry=r,
        )
        self.last_pass = Gauge(
            "carecast_notify_last_pass_timestamp_seconds",
            "Unix time the last pass finished (0 until one did)",
            registry=r,
        )
        for result in RESULTS:
            self.passes.labels(result=result)
        for result in ("ok", "failed"):
            self.push_runs.labels(result=result)
        for step in STEPS:
            self.steps.labels(step=step)
        for kind in ("surveys", "outreach"):
            self.aftercare.labels(kind=kind)
        for result in ("dispatched", "deferred"):
            self.dispatches.labels(result=result)
        for target, result in (
            *(("owner", r) for r in ("delivered", "retrying", "dead")),
            *(("center", r) for r in ("delivered", "retrying", "dead", "deferred")),
        ):
            self.deliveries.labels(target=target, result=result)
        for outbox in OUTBOXES:
            self.outbox_pending.labels(outbox=outbox)
            self.outbox_oldest.labels(outbox=outbox)

    def observe_pass(
        self,
        report: PassReport,
        *,
        aftercare: AftercareReport,
        outbox: OutboxReport,
        backlog: Mapping[str, Backlog],
    ) -> None:
        """Record one finished pass from its three reports and the outboxes' backlog (``read_backlog``)."""
        self.passes.labels(result="risk_errors" if report.failed else "ok").inc()
        self.pass_seconds.observe((report.elapsed_ms + aftercare.elapsed_ms + outbox.elapsed_ms) / 1000)
        for step in STEPS:
            self.steps.labels(step=step).inc(getattr(report, step))
        self.pending_risks.set(report.pending)
        self.aftercare.labels(kind="surveys").inc(aftercare.surveys)
        self.aftercare.labels(kind="outreach").inc(aftercare.outreach)
        self.dispatches.labels(result="dispatched").inc(outbox.dispatched)
        self.dispatches.labels(result="deferred").inc(outbox.deferred)
        for result in ("delivered", "retrying", "dead"):
            self.deliveries.labels(target="owner", result=result).inc(getattr(outbox, result))
        for name, waiting in backlog.items():
            self.outbox_pending.labels(outbox=name).set(waiting.pending)
            self.outbox_oldest.labels(outbox=name).set(waiting.oldest_s)
        self.last_pass.set(time.time())

    def observe_push(self, report: PushReport) -> None:
        """Record one finished push run."""
        self.push_runs.labels(result="ok").inc()
        for result in ("delivered", "retrying", "dead", "deferred"):
            self.deliveries.labels(target="center", result=result).inc(getattr(report, result))

    @contextmanager
    def failures(self, job: Literal["pass", "push"]) -> Iterator[None]:
        """Count the block as a failed run of `job` when it raises (the exception goes on)."""
        try:
            yield
        except Exception:
            (self.passes if job == "pass" else self.push_runs).labels(result="failed").inc()
            raise


def read_backlog(conn: psycopg.Connection, *, now: datetime) -> dict[str, Backlog]:
    """Return what waits at `now` in each outbox (messages, deliveries, pushes; notify/sql/outbox_backlog.sql)."""
    rows = conn.execute(query(OUTBOX_BACKLOG), {"now": now}).fetchall()
    return {str(outbox): Backlog(int(pending), float(oldest_s)) for outbox, pending, oldest_s in rows}
