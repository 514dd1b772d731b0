"""The FastAPI application factory: pool lifecycle, error envelope, OpenAPI metadata, routers per audience."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from api.errors import install_error_handlers
from api.feed.fastpath import FeedFastPath
from api.feed.listener import FeedListener
from api.ops.body_limit import BodyLimitMiddleware
from api.ops.request_id import RequestIdMiddleware
from api.ops.telemetry import RequestTelemetryMiddleware
from api.routes import (
    admin_import,
    advisor,
    advisor_auth,
    advisor_customers,
    advisor_feedback,
    advisor_team,
    bookings,
    calendar,
    centers,
    dms,
    feedback,
    feedback_loop,
    health,
    identity,
    manager,
    owner_page,
    owner_requests,
    owners,
    privacy,
    provisioning,
    receipts,
    request_photos,
    vehicles,
    visits,
    webhook_events,
    webhooks,
)
from api.schemas.common import reject_nul_params
from api.settings import ApiSettings
from api.state import AppState, install_state
from core.db import make_pool
from core.log import configure_logging

DESCRIPTION = """\
Carecast finds cars whose 12V battery, EV traction battery, brake pads or season-dependent parts need care before
something fails, and turns each finding into a care message for the owner and a booking suggestion for a service
center.

* **Service centers** poll `GET /v1/service-centers/{center_id}/suggested-bookings` with their API key
  (`Authorization: Bearer cc_live_…`) and see only their own center's suggestions.
* **Owners** read `GET /v1/vehicles/{vin}/alerts` with their owner token (`Authorization: Bearer cc_owner_…`).
* **Operators** probe `/livez` and `/readyz` and scrape `/metrics` (Prometheus).

Each API key and owner token has its own rate limit (token bucket); over it the answer is 429 with
`Retry-After`. The buckets live in each API process: N instances allow up to N times the rate.

Every error is JSON: `{"error": {"code": "...", "message": "..."}}`. Request bodies over 64 KiB (configurable)
are refused with 413 `payload_too_large` before anything else is checked.
"""

TAGS = [
    {
        "name": "service centers",
        "description": "The authenticated feed of suggested bookings for one center.",
    },
    {"name": "owners", "description": "What Carecast tells a car owner about their own vehicles."},
    {
        "name": "managers",
        "description": "Rule precision and lead time, center response times and satisfaction (admin keys).",
    },
    {
        "name": "operations",
        "description": "Liveness and readiness probes and Prometheus metrics.",
    },
]


# Swagger UI 5 (OpenAPI 3.1) as shipped by the fastapi-offline package: /docs works without internet.
SWAGGER_ASSETS = str(files("fastapi_offline") / "static")
DOCS_STATIC = "/docs/static"


class CarecastAPI(FastAPI):
    """FastAPI with the request id outermost: outside Starlette's error middleware, so a 500 carries it too."""

    def build_middleware_stack(self) -> ASGIApp:
        return RequestIdMiddleware(super().build_middleware_stack())


def _install_docs(app: FastAPI) -> None:
    """Serve the Swagger page at /docs with its assets from this app, not from a CDN."""
    app.mount(DOCS_STATIC, StaticFiles(directory=SWAGGER_ASSETS), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
        )


def _version() -> str:
    try:
        return version("carecast")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: ApiSettings) -> FastAPI:
    """Return the API application; its lifespan opens the database pool and closes it on shutdown."""
    logger = configure_logging(settings.log, process="api")
    state = AppState.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # make_pool blocks until the pool has its first connections; keep that off the event loop.
        pool = await anyio.to_thread.run_sync(lambda: make_pool(settings.database, name="api"))
        state.opened_pool = pool
        listener = None
        if settings.api.feed_cache:
            listener = FeedListener(
                settings.database.url,
                pages=state.pages,
                principals=state.principals,
                usage=state.usage,
                logger=logger,
                retry_s=settings.api.feed_listener_retry_s,
            )
            listener.start()
        state.feed_listener = listener
        logger.info(
            "api_started",
            pool_min=settings.database.pool_min,
            pool_max=settings.database.pool_max,
            feed_cache=settings.api.feed_cache,
        )
        try:
            yield
        finally:
            if listener is not None:
                await anyio.to_thread.run_sync(listener.stop)
            await anyio.to_thread.run_sync(pool.close)
            logger.info("api_stopped")

    app = CarecastAPI(
        title="Carecast API",
        summary="Predictive-maintenance booking suggestions for service centers and care alerts for owners.",
        description=DESCRIPTION,
        version=_version(),
        openapi_tags=TAGS,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        docs_url=None,  # served by _install_docs, from local assets
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        # Before any route's own parameters, credentials or body: PostgreSQL text cannot hold NUL.
        dependencies=[Depends(reject_nul_params)],
    )
    install_state(app, state)
    install_error_handlers(app)
    # Inside the telemetry middleware (added last = outermost), so cache hits are logged and counted too.
    app.add_middleware(FeedFastPath, state=state)
    # Outside routing, so before authentication and body parsing: an unauthenticated upload costs at most
    # max_body_bytes of memory. Inside telemetry, so 413s are logged and counted.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(RequestTelemetryMiddleware, metrics=state.metrics, logger=logger)
    # The request id (X-Request-ID, and request_id on every log line) wraps all of these: see CarecastAPI.
    app.include_router(centers.router)
    app.include_router(webhooks.router)
    app.include_router(webhook_events.router)
    app.include_router(dms.router)
    app.include_router(calendar.router)
    app.include_router(vehicles.router)
    app.include_router(owners.router)
    app.include_router(owner_requests.router)
    app.include_router(identity.router)
    app.include_router(manager.router)
    app.include_router(provisioning.router)
    app.include_router(advisor_auth.router)
    app.include_router(advisor_team.router)
    app.include_router(advisor.router)
    app.include_router(advisor_feedback.router)
    app.include_router(advisor_customers.router)
    app.include_router(owner_page.router)
    app.include_router(bookings.router)
    app.include_router(feedback.router)
    app.include_router(feedback_loop.router)
    app.include_router(admin_import.router)
    app.include_router(privacy.router)
    app.include_router(health.router)
    app.include_router(visits.router)
    app.include_router(receipts.router)
    app.include_router(request_photos.router)
    _install_docs(app)
    return app


def create_app_from_env() -> FastAPI:
    """Build the settings from the environment and return the app (uvicorn's factory for ``--workers N``)."""
    return create_app(ApiSettings())
