"""Issue, rotate, revoke and list API keys and owner tokens in the database (``api/keys.py`` is their command line).

Only the SHA-256 hash of a secret is stored; the secret itself is returned once, at creation. A secret may expire;
``rotate`` issues a new secret with the same scope and label and lets the old one expire after a grace period, so
clients can switch over without an outage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row, tuple_row

from api.auth.credentials import SecretKind, display_prefix, hash_secret, kind_of, new_secret
from api.sql import (
    API_KEY_ACTIVE_BY_PREFIX,
    API_KEY_EXPIRE,
    API_KEY_INSERT,
    API_KEY_REVOKE,
    CENTER_BY_CODE,
    CREDENTIALS_LIST,
    CUSTOMER_BY_REF,
    OWNER_TOKEN_ACTIVE_BY_PREFIX,
    OWNER_TOKEN_EXPIRE,
    OWNER_TOKEN_INSERT,
    OWNER_TOKEN_REVOKE,
    WEBHOOK_ADOPT,
)
from core.db import query
from core.errors import CarecastError

# How long a rotated-out secret keeps working by default: a day to roll the new one out.
DEFAULT_GRACE = timedelta(hours=24)


class KeyCommandError(CarecastError):
    """A key operation could not be done (unknown center or customer, no such prefix, ambiguous prefix)."""


@dataclass(frozen=True, slots=True)
class Rotation:
    """What `rotate` did: the new secret (shown once) and when the old one stops working."""

    table: str
    old_prefix: str
    old_expires_at: datetime
    secret: str


# The per-table statements of the credential commands, named in full so their callers are found by grep.
_SQL = {
    "api_key": {
        "active_by_prefix": API_KEY_ACTIVE_BY_PREFIX,
        "revoke": API_KEY_REVOKE,
        "expire": API_KEY_EXPIRE,
    },
    "owner_token": {
        "active_by_prefix": OWNER_TOKEN_ACTIVE_BY_PREFIX,
        "revoke": OWNER_TOKEN_REVOKE,
        "expire": OWNER_TOKEN_EXPIRE,
    },
}


def center_id_for_code(conn: psycopg.Connection, *, code: str) -> int:
    """Return the id of the service center with this code."""
    row = conn.cursor(row_factory=tuple_row).execute(query(CENTER_BY_CODE), {"code": code}).fetchone()
    if row is None:
        raise KeyCommandError(f"no service center with code {code!r}")
    return row[0]


def customer_id_for_ref(conn: psycopg.Connection, *, ref: str) -> int:
    """Return the id of the customer with this reference."""
    row = conn.cursor(row_factory=tuple_row).execute(query(CUSTOMER_BY_REF), {"ref": ref}).fetchone()
    if row is None:
        raise KeyCommandError(f"no customer with reference {ref!r}")
    return row[0]


def _insert_key(
    conn: psycopg.Connection, *, role: str, center_id: int | None, label: str, expires_in: timedelta | None
) -> str:
    secret = new_secret(SecretKind.CENTER_KEY)
    params = {
        "center_id": center_id,
        "role": role,
        "prefix": display_prefix(secret),
        "hash": hash_secret(secret),
        "label": label,
        "expires_in": expires_in,
    }
    try:
        with conn.transaction():
            conn.execute(query(API_KEY_INSERT), params)
    except psycopg.errors.ForeignKeyViolation as exc:
        raise KeyCommandError(f"no service center with id {center_id}") from exc
    return secret


def create_center_key(
    conn: psycopg.Connection, *, center_id: int, label: str = "", expires_in: timedelta | None = None
) -> str:
    """Store a new API key for one service center and return its secret (shown only this once)."""
    return _insert_key(conn, role="center", center_id=center_id, label=label, expires_in=expires_in)


def create_admin_key(
    conn: psycopg.Connection, *, label: str = "", expires_in: timedelta | None = None
) -> str:
    """Store a new operator key that may read every center and return its secret (shown only this once)."""
    return _insert_key(conn, role="admin", center_id=None, label=label, expires_in=expires_in)


def create_owner_token(
    conn: psycopg.Connection, *, customer_id: int, expires_in: timedelta | None = None
) -> str:
    """Store a new owner token for one customer and return its secret (shown only this once)."""
    secret = new_secret(SecretKind.OWNER_TOKEN)
    params = {
        "customer_id": customer_id,
        "prefix": display_prefix(secret),
        "hash": hash_secret(secret),
        "expires_in": expires_in,
    }
    try:
        with conn.transaction():
            conn.execute(query(OWNER_TOKEN_INSERT), params)
    except psycopg.errors.ForeignKeyViolation as exc:
        raise KeyCommandError(f"no customer with id {customer_id}") from exc
    return secret


def _live_one(conn: psycopg.Connection, *, prefix: str) -> tuple[str, str, dict[str, Any]]:
    """Return (table, prefix, row) of the one live credential with this prefix, locked; the caller's transaction."""
    if kind_of(prefix) is not None:
        prefix = display_prefix(prefix)  # a whole secret was pasted: use its prefix
    table = "owner_token" if prefix.startswith(SecretKind.OWNER_TOKEN.value) else "api_key"
    cur = conn.cursor(row_factory=dict_row)
    rows = cur.execute(query(_SQL[table]["active_by_prefix"]), {"prefix": prefix}).fetchall()
    if not rows:
        raise KeyCommandError(f"no active {table.replace('_', ' ')} with prefix {prefix!r}")
    if len(rows) > 1:
        raise KeyCommandError(f"prefix {prefix!r} matches {len(rows)} active credentials; use a longer value")
    return table, prefix, rows[0]


def revoke(conn: psycopg.Connection, *, prefix: str) -> tuple[str, str]:
    """Revoke the one active key or owner token with this display prefix; return (table, prefix) revoked."""
    with conn.transaction():
        table, prefix, row = _live_one(conn, prefix=prefix)
        conn.execute(query(_SQL[table]["revoke"]), {"id": row["id"]})
    return table, prefix


def rotate(
    conn: psycopg.Connection,
    *,
    prefix: str,
    grace: timedelta = DEFAULT_GRACE,
    expires_in: timedelta | None = None,
) -> Rotation:
    """Issue a new secret with the old one's scope and label; the old one expires after `grace` (never later than
    an expiry it already had). Both in one transaction. The new secret expires after `expires_in` (None: never)."""
    with conn.transaction():
        table, prefix, row = _live_one(conn, prefix=prefix)
        if table == "owner_token":
            secret = create_owner_token(conn, customer_id=row["customer_id"], expires_in=expires_in)
        else:
            secret = _insert_key(
                conn, role=row["role"], center_id=row["center_id"], label=row["label"], expires_in=expires_in
            )
            # The webhooks registered with the old key stay live under the new one.
            conn.execute(query(WEBHOOK_ADOPT), {"new_hash": hash_secret(secret), "old_id": row["id"]})
        cur = conn.cursor(row_factory=tuple_row)
        expired = cur.execute(query(_SQL[table]["expire"]), {"id": row["id"], "grace": grace}).fetchone()
    assert expired is not None  # the row is locked by _live_one
    return Rotation(table=table, old_prefix=prefix, old_expires_at=expired[0], secret=secret)


def list_credentials(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Return every API key and owner token (prefix, role, owner, dates), never a hash or secret."""
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute(query(CREDENTIALS_LIST)).fetchall()
