"""structlog configuration: key=value on a terminal, JSON lines otherwise; uvicorn's stdlib lines the same way."""

from __future__ import annotations

import logging
import sys
from typing import TextIO, cast

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from core.settings import LogSettings

# Standard-library loggers whose records are rendered like ours (uvicorn.error is a child of uvicorn). Our own
# middleware writes the one access line per request; uvicorn's access logger stays off (access_log=False).
STDLIB_LOGGERS = ("uvicorn",)


class _StderrHandler(logging.Handler):
    """Write to the current ``sys.stderr`` (looked up per record, not bound once)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


class _CurrentStderr:
    """A file that writes to whatever ``sys.stderr`` is now: loggers cached on first use never hold a stream
    that was since replaced and closed (a test's captured stderr, a redirected CLI)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _add_process(process: str) -> Processor:
    def add(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("process", process)
        return event_dict

    return add


def configure_logging(settings: LogSettings, *, process: str) -> structlog.stdlib.BoundLogger:
    """Configure structlog (and the loggers of STDLIB_LOGGERS) once per process; return a logger bound to the
    process name. Calling it again replaces the earlier configuration."""
    level = logging.getLevelName(settings.level.upper())
    level = level if isinstance(level, int) else logging.INFO
    use_json = settings.format == "json" or (settings.format == "auto" and not sys.stderr.isatty())
    renderer = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=True,
    )
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name, _add_process(process)],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    for name in STDLIB_LOGGERS:
        stdlib_logger = logging.getLogger(name)
        for old in [h for h in stdlib_logger.handlers if isinstance(h, _StderrHandler)]:
            stdlib_logger.removeHandler(old)
        stdlib_logger.addHandler(handler)
        stdlib_logger.setLevel(level)
        stdlib_logger.propagate = False
    return structlog.get_logger(process=process)
