"""``python -m api [--host H] [--port P]``: serve the Carecast API with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from api.app import create_app
from api.settings import ApiSettings


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, build the settings once and serve the app until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m api", description="Serve the Carecast HTTP API.")
    parser.add_argument("--host", help="bind address (default: CARECAST_API__HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="bind port (default: CARECAST_API__PORT or 8000)")
    args = parser.parse_args(argv)
    settings = ApiSettings()
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    if overrides:
        settings = settings.model_copy(update={"api": settings.api.model_copy(update=overrides)})
    # Our middleware writes the one access line per request; uvicorn's own access log would duplicate it.
    uvicorn.run(
        create_app(settings),
        host=settings.api.host,
        port=settings.api.port,
        access_log=False,
        proxy_headers=False,
        log_level=settings.log.level.lower(),
    )


if __name__ == "__main__":
    main()
