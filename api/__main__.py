"""``carecast api`` (``python -m api``): serve the Carecast API with uvicorn."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Sequence

import click
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.settings import ApiSettings
from core.cli import CONTEXT_SETTINGS, run_command
from core.db import connect
from core.log import configure_logging


@click.command(name="api", context_settings=CONTEXT_SETTINGS)
@click.option("--host", help="Bind address.  [default: CARECAST_API__HOST, else 127.0.0.1]")
@click.option("--port", type=int, help="Bind port.  [default: CARECAST_API__PORT, else 8000]")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Worker processes sharing the port; each has its own database pool and rate-limit buckets.")  # fmt: skip
def command(host: str | None, port: int | None, workers: int) -> None:
    """Serve the HTTP API for service centers, owners and managers.

    Serves until SIGTERM or Ctrl-C with uvicorn; the interactive reference is at /docs, liveness at /livez and
    readiness (database, migrations, storage mode, broker) at /readyz. Keys and tokens: carecast keys.
    """
    settings = ApiSettings()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if overrides:
        settings = settings.model_copy(update={"api": settings.api.model_copy(update=overrides)})
    # Fail here, in one line, rather than in the app's startup with uvicorn's traceback.
    with connect(settings.database):
        pass
    app: FastAPI | str
    if workers == 1:
        app = create_app(settings)
    else:
        # Worker processes import the app themselves and build their settings from the same environment. They
        # must share the secret behind sessions and calendar links: without a configured one, pick it here, once.
        if settings.api.secret is None:
            os.environ["CARECAST_API__SECRET"] = secrets.token_urlsafe(32)
        app = "api.app:create_app_from_env"
    # Here too, not only in create_app: with --workers N this (supervisor) process logs through uvicorn as well.
    configure_logging(settings.log, process="api")
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers,
        host=settings.api.host,
        port=settings.api.port,
        # Our middleware writes the one access line per request; uvicorn's own access log would duplicate it.
        access_log=False,
        proxy_headers=False,
        log_level=settings.log.level.lower(),
        # Keep the handlers of core.log: uvicorn's own lines are rendered like ours (JSON when not on a terminal).
        log_config=None,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, build the settings once and serve the app until interrupted."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
