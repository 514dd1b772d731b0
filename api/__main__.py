"""``python -m api [--host H] [--port P] [--workers N]``: serve the Carecast API with uvicorn."""

from __future__ import annotations

import argparse
import os
import secrets

import uvicorn

from api.app import create_app
from api.settings import ApiSettings


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, build the settings once and serve the app until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m api", description="Serve the Carecast HTTP API.")
    parser.add_argument("--host", help="bind address (default: CARECAST_API__HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="bind port (default: CARECAST_API__PORT or 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (default 1); each has its own database pool and rate-limit buckets",
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    settings = ApiSettings()
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    if overrides:
        settings = settings.model_copy(update={"api": settings.api.model_copy(update=overrides)})
    # Our middleware writes the one access line per request; uvicorn's own access log would duplicate it.
    common = {
        "host": settings.api.host,
        "port": settings.api.port,
        "access_log": False,
        "proxy_headers": False,
        "log_level": settings.log.level.lower(),
    }
    if args.workers == 1:
        uvicorn.run(create_app(settings), **common)
        return
    # Worker processes import the app themselves and build their settings from the same environment. They must
    # share the secret behind sessions and calendar links: without a configured one, pick it here, once.
    if settings.api.secret is None:
        os.environ["CARECAST_API__SECRET"] = secrets.token_urlsafe(32)
    uvicorn.run("api.app:create_app_from_env", factory=True, workers=args.workers, **common)


if __name__ == "__main__":
    main()
