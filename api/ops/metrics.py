"""Prometheus metrics of the API: requests and latency per route template, method and status."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

# Latency buckets (seconds) around the feed's 100 ms target.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ApiMetrics:
    """The API's collectors, in a registry of their own so that every app instance counts separately."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "carecast_api_requests",
            "HTTP requests answered, by route template, method and status",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "carecast_api_request_duration_seconds",
            "Time from request to the start of the response, by route template and method",
            ("route", "method"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "carecast_api_rate_limited",
            "Requests refused with 429 because the credential's token bucket was empty",
            registry=self.registry,
        )

    def exposition(self) -> tuple[bytes, str]:
        """Return the text exposition and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
