"""structlog configuration: key=value on a terminal, JSON lines otherwise."""

from __future__ import annotations

import logging
import sys

import structlog

from core.settings import LogSettings


def configure_logging(settings: LogSettings, *, process: str) -> structlog.stdlib.BoundLogger:
    """Configure structlog once per process and return a logger bound to the process name."""
    level = logging.getLevelName(settings.level.upper())
    use_json = settings.format == "json" or (settings.format == "auto" and not sys.stderr.isatty())
    renderer = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            level if isinstance(level, int) else logging.INFO
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    return structlog.get_logger(process=process)
