"""Request dependencies: the app state, a pooled connection, and authorization as a chain.

``CenterCaller`` (a live API key, within its rate) → ``CenterScope`` (the key may act on the path's center: 403)
→ ``ExistingCenterScope`` (an admin key naming a missing center: 404). ``OwnerCaller`` for owner tokens.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import ConnectionPool

from api.auth.credentials import SecretKind, kind_of
from api.auth.principals import (
    CenterPrincipal,
    OwnerPrincipal,
    center_principal,
    invalid_secret,
    owner_principal,
    unauthorized,
)
from api.auth.ratelimit import retry_after_header
from api.auth.scope import center_refusal
from api.errors import ApiError
from api.settings import ApiSettings
from api.state import AppState, app_state
from api.store import repository


async def get_state(request: Request) -> AppState:
    """Return the app's typed state (async: no thread hop, not even on the feed's hot path)."""
    return app_state(request.app)


State = Annotated[AppState, Depends(get_state)]


async def get_settings(state: State) -> ApiSettings:
    """Return the settings the app was created with."""
    return state.settings


async def get_pool(state: State) -> ConnectionPool:
    """Return the connection pool opened by the app's lifespan."""
    return state.pool


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_conn(request: Request, state: State) -> Iterator[psycopg.Connection]:
    """Yield a pooled connection for one request; committed on success or refusal, rolled back on failure.

    After a write (any unsafe method) has committed, this process's cached feed pages are dropped at once, so the
    writer's next poll here sees its own write without waiting for the change notification.
    """
    try:
        with state.pool.connection(timeout=state.settings.api.pool_timeout_s) as conn:
            try:
                yield conn
            except ApiError:
                # A refused request (403, 404, ...) still keeps what it wrote, e.g. the key's last_used_at stamp.
                conn.commit()
                raise
    finally:
        if request.method not in _SAFE_METHODS:
            state.pages.invalidate_all()


Settings = Annotated[ApiSettings, Depends(get_settings)]
Pool = Annotated[ConnectionPool, Depends(get_pool)]
# scope="function": the commit runs when the handler returns, before the response is sent. With the default
# ("request") FastAPI sends the response first, so a client could be told 201 for a write that is not committed
# yet (read-your-writes fails) or that then fails to commit.
Conn = Annotated[psycopg.Connection, Depends(get_conn, scope="function")]


def enforce_rate_limit(state: AppState, caller: CenterPrincipal | OwnerPrincipal) -> None:
    """Take one token from the credential's bucket, or answer 429 with Retry-After."""
    wait_s = state.limiter.take(caller.bucket, now=time.monotonic())
    if wait_s > 0:
        state.metrics.rate_limited.inc()
        retry_after = retry_after_header(wait_s)
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests for this credential; retry in {retry_after} s",
            headers={"Retry-After": retry_after},
        )


center_key_scheme = HTTPBearer(
    scheme_name="CenterApiKey",
    bearerFormat="cc_live_…",
    description="Service-center API key (`Authorization: Bearer cc_live_…`), created with `carecast keys create`.",
    auto_error=False,
)
owner_token_scheme = HTTPBearer(
    scheme_name="OwnerToken",
    bearerFormat="cc_owner_…",
    description="Owner token (`Authorization: Bearer cc_owner_…`), created with `carecast keys owner-token`.",
    auto_error=False,
)
CenterKeyCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(center_key_scheme)]
OwnerTokenCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(owner_token_scheme)]


def _secret_from(credentials: HTTPAuthorizationCredentials | None, kind: SecretKind) -> str:
    if credentials is None or not credentials.credentials:
        raise unauthorized("missing credentials: send 'Authorization: Bearer <key>'", invalid=False)
    secret = credentials.credentials.strip()
    if kind_of(secret) is not kind:
        raise invalid_secret(kind)
    return secret


async def center_key_secret(credentials: CenterKeyCredentials) -> str:
    """Return the bearer secret when it looks like an API key, or answer 401 (no database: runs on the loop)."""
    return _secret_from(credentials, SecretKind.CENTER_KEY)


def require_center_key(state: State, conn: Conn, credentials: CenterKeyCredentials) -> CenterPrincipal:
    """Return the caller behind a live API key, or answer 401 (429 when over its rate)."""
    caller = center_principal(conn, secret=_secret_from(credentials, SecretKind.CENTER_KEY))
    enforce_rate_limit(state, caller)
    return caller


def require_owner_token(state: State, conn: Conn, credentials: OwnerTokenCredentials) -> OwnerPrincipal:
    """Return the owner behind a live (unrevoked, unexpired) owner token, or answer 401 (429 when over its rate)."""
    owner = owner_principal(conn, secret=_secret_from(credentials, SecretKind.OWNER_TOKEN))
    enforce_rate_limit(state, owner)
    return owner


CenterKeySecret = Annotated[str, Depends(center_key_secret)]
CenterCaller = Annotated[CenterPrincipal, Depends(require_center_key)]
OwnerCaller = Annotated[OwnerPrincipal, Depends(require_owner_token)]

CenterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The service center's id")]


def require_admin_key(caller: CenterCaller) -> CenterPrincipal:
    """Return the caller when it holds an admin (operator) key, else answer 403: a center key may not."""
    if caller.role != "admin":
        raise ApiError(403, "forbidden", "this needs an admin key (carecast keys create-admin)")
    return caller


AdminCaller = Annotated[CenterPrincipal, Depends(require_admin_key)]


def center_scope(caller: CenterCaller, center_id: CenterId) -> CenterPrincipal:
    """Return the caller when its key may act on the path's center, else answer 403 (``api/auth/scope.py``).

    A dependency, not a check inside the route, so that scope is decided before the request body is validated:
    another center's URL answers 403 whatever the body.
    """
    if (refusal := center_refusal(caller, center_id)) is not None:
        raise refusal
    return caller


CenterScope = Annotated[CenterPrincipal, Depends(center_scope)]


def existing_center_scope(conn: Conn, caller: CenterScope, center_id: CenterId) -> CenterPrincipal:
    """``center_scope``, and 404 when an admin key names a center that does not exist (where a route would
    otherwise answer an empty list)."""

    def found() -> bool:
        return repository.center_exists(conn, center_id=center_id)

    if (refusal := center_refusal(caller, center_id, center_found=found)) is not None:
        raise refusal
    return caller


ExistingCenterScope = Annotated[CenterPrincipal, Depends(existing_center_scope)]
