"""The API process's shared state, typed: built once by ``create_app`` and read through ``app_state``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from psycopg_pool import ConnectionPool
from starlette.applications import Starlette

from api.auth.principals import CenterPrincipal
from api.auth.ratelimit import RateLimiter
from api.feed.cache import PageCache, PrincipalCache, UsageLog
from api.feed.listener import FeedListener
from api.ops.metrics import ApiMetrics
from api.settings import ApiSettings

# The attribute of Starlette's untyped `app.state` that holds the one AppState.
_ATTRIBUTE = "carecast"


@dataclass(slots=True)
class AppState:
    """Everything a request may need besides its own connection: settings, secret, limiter, feed caches, pool."""

    settings: ApiSettings
    # Signs advisor session cookies and calendar links.
    secret: str
    metrics: ApiMetrics
    limiter: RateLimiter
    pages: PageCache
    principals: PrincipalCache[CenterPrincipal]
    usage: UsageLog
    # Opened and closed by the app's lifespan.
    opened_pool: ConnectionPool | None = None
    # Started by the lifespan when settings.api.feed_cache is on.
    feed_listener: FeedListener | None = None

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> AppState:
        """Return the state of a new app: caches off until the feed listener listens, no pool until the lifespan."""
        api = settings.api
        return cls(
            settings=settings,
            # Without a configured secret, sessions and calendar links last as long as this process.
            secret=api.secret.get_secret_value() if api.secret else secrets.token_urlsafe(32),
            metrics=ApiMetrics(),
            limiter=RateLimiter(rate_per_s=api.rate_per_s, burst=api.rate_burst),
            pages=PageCache(
                max_age_s=api.feed_cache_max_age_s,
                max_bytes=int(api.feed_cache_max_mb * 1024 * 1024),
                max_pages_per_center=512,
            ),
            principals=PrincipalCache(
                max_age_s=api.key_cache_max_age_s,
                max_entries=100_000,
                # The clock is read only for keys that expire: the feed's cache hits stay clock-free otherwise.
                live=lambda principal: principal.expires_at is None or principal.live_at(datetime.now(UTC)),
            ),
            usage=UsageLog(every_s=60.0),
        )

    @property
    def pool(self) -> ConnectionPool:
        """Return the database pool; it exists while the app's lifespan runs."""
        if self.opened_pool is None:
            raise RuntimeError(
                "the database pool is opened by the app's lifespan: serve the app, or enter it"
            )
        return self.opened_pool


def install_state(app: Starlette, state: AppState) -> None:
    """Store the state on the app (once, in ``create_app``)."""
    setattr(app.state, _ATTRIBUTE, state)


def app_state(app: Starlette) -> AppState:
    """Return the state ``create_app`` stored on the app."""
    state: AppState = getattr(app.state, _ATTRIBUTE)
    return state
