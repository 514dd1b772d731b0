"""Who is calling: service-center / admin API keys and owner tokens, found by the SHA-256 hash of their secret.

``admit_center_key`` is the one check of an API key row: the bearer dependency, the advisor login and the feed's
one-statement query (which looks the key up itself, in the same round trip as the page) all call it. A credential
is live while it is neither revoked nor past its optional ``expires_at`` (migration 0022).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import psycopg
from psycopg.rows import dict_row

from api.auth.credentials import SecretKind, hash_secret, kind_of
from api.errors import ApiError
from api.sql import API_KEY_LOOKUP, OWNER_TOKEN_LOOKUP
from core.db import SqlFile, query

REALM = 'Bearer realm="carecast"'
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


@dataclass(frozen=True, slots=True)
class CenterPrincipal:
    """A caller holding a valid API key: one service center's, or an operator's (admin)."""

    key_id: int
    role: Literal["center", "admin"]
    center_id: int | None
    expires_at: datetime | None = None

    @property
    def bucket(self) -> str:
        """Return the key's rate-limit bucket."""
        return f"key:{self.key_id}"

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

    @property
    def bucket(self) -> str:
        """Return the token's rate-limit bucket."""
        return f"owner:{self.token_id}"


def unauthorized(message: str, *, invalid: bool) -> ApiError:
    """Return the 401 with the Bearer challenge (``error="invalid_token"`` when a credential was sent)."""
    challenge = f'{REALM}, error="invalid_token"' if invalid else REALM
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})


def invalid_secret(kind: SecretKind) -> ApiError:
    """Return the 401 for a secret that is not a live credential of this kind (unknown and revoked alike)."""
    return unauthorized(_INVALID[kind], invalid=True)


def _verify(row: Mapping[str, Any] | None, *, digest: bytes, kind: SecretKind) -> Mapping[str, Any]:
    """Return the row of a live credential, or raise 401: unknown or revoked alike, expired saying so."""
    # The index lookup already matched on the digest; compare_digest keeps the final check constant-time.
    if row is None or not hmac.compare_digest(bytes(row["hash"]), digest):
        raise invalid_secret(kind)
    # Checked before `revoked`: feed_page.sql reports an expired key as revoked too.
    if row.get("expired"):
        expires_at = row.get("expires_at")
        when = f" at {expires_at.astimezone(UTC).isoformat()}" if expires_at is not None else ""
        raise unauthorized(f"{_EXPIRED[kind]}{when}; ask for a new one", invalid=True)
    if row["revoked"]:
        raise invalid_secret(kind)
    return row


def admit_center_key(row: Mapping[str, Any] | None, *, digest: bytes) -> CenterPrincipal:
    """Return the caller behind a looked-up API key row (``id``, ``role``, ``center_id``, ``hash``, ``revoked``,
    ``expired``, ``expires_at``), or raise 401. The principal carries ``expires_at``, so a cached one stops at
    expiry."""
    admitted = _verify(row, digest=digest, kind=SecretKind.CENTER_KEY)
    return CenterPrincipal(
        key_id=admitted["id"],
        role=admitted["role"],
        center_id=admitted["center_id"],
        expires_at=admitted.get("expires_at"),
    )


def _lookup(conn: psycopg.Connection, *, name: SqlFile, digest: bytes) -> dict[str, Any] | None:
    return conn.cursor(row_factory=dict_row).execute(query(name), {"hash": digest}).fetchone()


def center_principal(conn: psycopg.Connection, *, secret: str) -> CenterPrincipal:
    """Return the caller behind a live (unrevoked, unexpired) API key secret, or raise 401."""
    if kind_of(secret) is not SecretKind.CENTER_KEY:
        raise invalid_secret(SecretKind.CENTER_KEY)
    digest = hash_secret(secret)
    return admit_center_key(_lookup(conn, name=API_KEY_LOOKUP, digest=digest), digest=digest)


def owner_principal(conn: psycopg.Connection, *, secret: str) -> OwnerPrincipal:
    """Return the owner behind a live (unrevoked, unexpired) owner token secret, or raise 401."""
    if kind_of(secret) is not SecretKind.OWNER_TOKEN:
        raise invalid_secret(SecretKind.OWNER_TOKEN)
    digest = hash_secret(secret)
    row = _verify(
        _lookup(conn, name=OWNER_TOKEN_LOOKUP, digest=digest), digest=digest, kind=SecretKind.OWNER_TOKEN
    )
    return OwnerPrincipal(token_id=row["id"], customer_id=row["customer_id"])
