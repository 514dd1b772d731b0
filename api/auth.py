"""Who is calling: service-center / admin API keys and owner tokens, checked by SHA-256 hash lookup.

A credential is live while it is neither revoked nor past its optional ``expires_at`` (migration 0022).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import psycopg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg.rows import dict_row

from api.credentials import SecretKind, hash_secret, kind_of
from api.deps import Conn
from api.errors import ApiError
from api.ratelimit import retry_after_header
from core.db import query

_REALM = 'Bearer realm="carecast"'
# Unknown and revoked secrets get the same answer: a caller learns nothing about which keys exist.
_INVALID = {
    SecretKind.CENTER_KEY: "API key is invalid or revoked",
    SecretKind.OWNER_TOKEN: "owner token is invalid or revoked",
}
# Only the holder of the secret sees this, so saying that it expired (and when) tells nobody else anything.
_EXPIRED = {
    SecretKind.CENTER_KEY: "API key expired",
    SecretKind.OWNER_TOKEN: "owner token expired",
}

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


@dataclass(frozen=True, slots=True)
class CenterPrincipal:
    """A caller holding a valid API key: one service center's, or an operator's (admin)."""

    key_id: int
    role: Literal["center", "admin"]
    center_id: int | None
    expires_at: datetime | None = None

    def may_read_center(self, center_id: int) -> bool:
        """Return True when this key may read the given center's data."""
        return self.role == "admin" or self.center_id == center_id

    def live_at(self, now: datetime) -> bool:
        """Return True while the key has not expired (revocation is the cache's notifications' business)."""
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True, slots=True)
class OwnerPrincipal:
    """A car owner holding a valid owner token."""

    token_id: int
    customer_id: int


def _unauthorized(message: str, *, invalid: bool) -> ApiError:
    challenge = f'{_REALM}, error="invalid_token"' if invalid else _REALM
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})


def _secret_from(credentials: HTTPAuthorizationCredentials | None, kind: SecretKind) -> str:
    if credentials is None or not credentials.credentials:
        raise _unauthorized("missing credentials: send 'Authorization: Bearer <key>'", invalid=False)
    secret = credentials.credentials.strip()
    if kind_of(secret) is not kind:
        raise _unauthorized(_INVALID[kind], invalid=True)
    return secret


def _admit(row: Mapping[str, Any] | None, *, digest: bytes, kind: SecretKind) -> Mapping[str, Any]:
    """Return the row of a live credential, or raise 401: unknown or revoked alike, expired saying so."""
    # The index lookup already matched on the digest; compare_digest keeps the final check constant-time.
    if row is None or not hmac.compare_digest(bytes(row["hash"]), digest):
        raise _unauthorized(_INVALID[kind], invalid=True)
    # Checked before `revoked`: feed_page.sql reports an expired key as revoked too.
    if row.get("expired"):
        expires_at = row.get("expires_at")
        when = f" at {expires_at.astimezone(UTC).isoformat()}" if expires_at is not None else ""
        raise _unauthorized(f"{_EXPIRED[kind]}{when}; ask for a new one", invalid=True)
    if row["revoked"]:
        raise _unauthorized(_INVALID[kind], invalid=True)
    return row


def _lookup(conn: psycopg.Connection, *, name: str, secret: str, kind: SecretKind) -> Mapping[str, Any]:
    digest = hash_secret(secret)
    row = conn.cursor(row_factory=dict_row).execute(query("api", name), {"hash": digest}).fetchone()
    return _admit(row, digest=digest, kind=kind)


def _center(row: Mapping[str, Any], *, key_id: int) -> CenterPrincipal:
    return CenterPrincipal(
        key_id=key_id, role=row["role"], center_id=row["center_id"], expires_at=row.get("expires_at")
    )


def enforce_rate_limit(request: Request, *, bucket: str) -> None:
    """Take one token from the credential's bucket, or answer 429 with Retry-After."""
    wait_s = request.app.state.limiter.take(bucket, now=time.monotonic())
    if wait_s > 0:
        request.app.state.metrics.rate_limited.inc()
        retry_after = retry_after_header(wait_s)
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests for this credential; retry in {retry_after} s",
            headers={"Retry-After": retry_after},
        )


def center_principal(conn: psycopg.Connection, *, secret: str) -> CenterPrincipal:
    """Return the caller behind a live (unrevoked, unexpired) API key secret, or raise 401."""
    if kind_of(secret) is not SecretKind.CENTER_KEY:
        raise _unauthorized(_INVALID[SecretKind.CENTER_KEY], invalid=True)
    row = _lookup(conn, name="api_key_lookup", secret=secret, kind=SecretKind.CENTER_KEY)
    return _center(row, key_id=row["id"])


def require_center_key(
    request: Request,
    conn: Conn,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(center_key_scheme)],
) -> CenterPrincipal:
    """Return the caller behind a live API key, or answer 401 (429 when over its rate)."""
    secret = _secret_from(credentials, SecretKind.CENTER_KEY)
    row = _lookup(conn, name="api_key_lookup", secret=secret, kind=SecretKind.CENTER_KEY)
    enforce_rate_limit(request, bucket=f"key:{row['id']}")
    return _center(row, key_id=row["id"])


async def center_key_secret(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(center_key_scheme)],
) -> str:
    """Return the bearer secret when it looks like an API key, or answer 401 (no database: runs on the loop)."""
    return _secret_from(credentials, SecretKind.CENTER_KEY)


def admit_center_key(request: Request, *, row: Mapping[str, Any] | None, digest: bytes) -> CenterPrincipal:
    """Return the caller behind a looked-up API key row, or answer 401 (429 when over its rate).

    The principal carries the key's ``expires_at`` when the row has it, so a cached principal stops at expiry.
    """
    admitted = _admit(row, digest=digest, kind=SecretKind.CENTER_KEY)
    enforce_rate_limit(request, bucket=f"key:{admitted['key_id']}")
    return _center(admitted, key_id=admitted["key_id"])


def require_owner_token(
    request: Request,
    conn: Conn,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(owner_token_scheme)],
) -> OwnerPrincipal:
    """Return the owner behind a live (unrevoked, unexpired) owner token, or answer 401 (429 when over its rate)."""
    secret = _secret_from(credentials, SecretKind.OWNER_TOKEN)
    row = _lookup(conn, name="owner_token_lookup", secret=secret, kind=SecretKind.OWNER_TOKEN)
    enforce_rate_limit(request, bucket=f"owner:{row['id']}")
    return OwnerPrincipal(token_id=row["id"], customer_id=row["customer_id"])


CenterKeySecret = Annotated[str, Depends(center_key_secret)]
CenterCaller = Annotated[CenterPrincipal, Depends(require_center_key)]
OwnerCaller = Annotated[OwnerPrincipal, Depends(require_owner_token)]
