"""Request dependencies shared by the routes: the settings and a pooled database connection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import Depends, Request
from psycopg_pool import ConnectionPool

from api.errors import ApiError
from api.settings import ApiSettings


def get_settings(request: Request) -> ApiSettings:
    """Return the settings the app was created with."""
    return request.app.state.settings


def get_pool(request: Request) -> ConnectionPool:
    """Return the connection pool opened by the app's lifespan."""
    return request.app.state.pool


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_conn(request: Request) -> Iterator[psycopg.Connection]:
    """Yield a pooled connection for one request; committed on success or refusal, rolled back on failure.

    After a write (any unsafe method) has committed, this process's cached feed pages are dropped at once, so the
    writer's next poll here sees its own write without waiting for the change notification.
    """
    pool: ConnectionPool = request.app.state.pool
    try:
        with pool.connection(timeout=request.app.state.settings.api.pool_timeout_s) as conn:
            try:
                yield conn
            except ApiError:
                # A refused request (403, 404, ...) still keeps what it wrote, e.g. the key's last_used_at stamp.
                conn.commit()
                raise
    finally:
        if request.method not in _SAFE_METHODS:
            request.app.state.pages.invalidate_all()


Settings = Annotated[ApiSettings, Depends(get_settings)]
Pool = Annotated[ConnectionPool, Depends(get_pool)]
# scope="function": the commit runs when the handler returns, before the response is sent. With the default
# ("request") FastAPI sends the response first, so a client could be told 201 for a write that is not committed
# yet (read-your-writes fails) or that then fails to commit.
Conn = Annotated[psycopg.Connection, Depends(get_conn, scope="function")]
