"""A logger that keeps every event as a dict, for tests that check what a job logged."""

from __future__ import annotations


class Recorder:
    """A logger that keeps every event as a dict (structlog's capture_logs misses a logger another test's
    configure_logging has already cached, so the runner gets this one explicitly)."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def _at(level: str, **extra: object):  # noqa: N805 - builds the level methods below
        def record(self: Recorder, event: str, **fields: object) -> None:
            self.events.append({"event": event, "log_level": level, **extra, **fields})

        return record

    debug = _at("debug")
    info = _at("info")
    warning = _at("warning")
    error = _at("error")
    exception = _at("error", exc_info=True)

    def bind(self, **_fields: object) -> Recorder:
        return self
