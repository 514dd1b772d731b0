"""Prometheus metrics of one detection process, fed from each pass's report, in a registry of its own."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from core.metrics import MetricsEndpoint
from detection.job import PassReport
from domain.vocabulary import RULE_KINDS

# "ok": every rule ran; "rule_errors": the pass finished but a rule (or the anomaly scoring) failed; "failed": the
# pass raised (database gone, a bug) and saved nothing after the failing step.
RESULTS = ("ok", "rule_errors", "failed")
CHANGES = ("opened", "updated", "resolved")
# From an incremental pass (sub-second) to a full pass over a large fleet (minutes); bench/detection.py measures
# both.
_PASS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)


class DetectionMetrics(MetricsEndpoint):
    """Passes by result, pass and phase durations, vehicles judged, flags raised and risk changes per kind."""

    def __init__(self) -> None:
        super().__init__(CollectorRegistry(auto_describe=True))
        r = self.registry
        self.passes = Counter(
            "carecast_detection_passes",
            "Detection passes, by result (ok, rule_errors, failed)",
            ["result"],
            registry=r,
        )
        self.pass_seconds = Histogram(
            "carecast_detection_pass_duration_seconds",
            "Wall time of a finished detection pass, by scope",
            ["scope"],
            buckets=_PASS_BUCKETS,
            registry=r,
        )
        self.phase_seconds = Counter(
            "carecast_detection_phase_seconds",
            "Time spent per phase of finished passes",
            ["phase"],
            registry=r,
        )
        self.rule_errors = Counter(
            "carecast_detection_rule_errors",
            "Rules (or the anomaly scoring) that failed in a pass",
            ["rule_id"],
            registry=r,
        )
        self.evaluated = Counter(
            "carecast_detection_vehicles_evaluated",
            "Vehicles judged by a rule, by risk kind",
            ["kind"],
            registry=r,
        )
        self.flags = Counter(
            "carecast_detection_flags", "Risk flags raised by the rules, by risk kind", ["kind"], registry=r
        )
        self.risks = Counter(
            "carecast_detection_risk_changes",
            "Risks opened, updated and resolved, by risk kind and change",
            ["kind", "change"],
            registry=r,
        )
        self.vehicles = Gauge(
            "carecast_detection_last_pass_vehicles", "Vehicles in the last finished pass's window", registry=r
        )
        self.last_pass = Gauge(
            "carecast_detection_last_pass_timestamp_seconds",
            "Unix time the last pass finished (0 until one did; a standby process waiting for the lock stays 0)",
            registry=r,
        )
        for result in RESULTS:
            self.passes.labels(result=result)
        for scope in ("all", "changed"):
            self.pass_seconds.labels(scope=scope)
        for kind in RULE_KINDS:
            self.evaluated.labels(kind=kind)
            self.flags.labels(kind=kind)
            for change in CHANGES:
                self.risks.labels(kind=kind, change=change)

    def observe(self, report: PassReport) -> None:
        """Record one finished pass from its report."""
        self.passes.labels(result="rule_errors" if report.failed_rules else "ok").inc()
        self.pass_seconds.labels(scope=report.scope).observe(report.duration_ms / 1000)
        for phase, ms in report.phases_ms.items():
            self.phase_seconds.labels(phase=phase).inc(ms / 1000)
        for rule_id in report.failed_rules:
            self.rule_errors.labels(rule_id=rule_id).inc()
        for kind, counts in report.kinds.items():
            self.evaluated.labels(kind=kind).inc(counts.evaluated)
            self.flags.labels(kind=kind).inc(counts.flagged)
            for change in CHANGES:
                self.risks.labels(kind=kind, change=change).inc(getattr(counts, change))
        self.vehicles.set(report.vehicles)
        self.last_pass.set(time.time())

    def count_failed(self) -> None:
        """Record a pass that raised before it could report."""
        self.passes.labels(result="failed").inc()
