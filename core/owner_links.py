"""Owner links (``https://<public base>/o/<token>``): the one writer of ``owner_link`` (migration 0031).

notify mints a link for each care message, support staff with ``carecast keys owner-link``, the demo for one case;
the API resolves it. A token is 32 random bytes (URL-safe); only its SHA-256 is stored, so the table leaks nothing
and a link can be revoked or expire like an owner token. Why not an HMAC of the ids: notify and the API are separate
processes, so a signature would need one more shared secret to configure, and revocation needs the row anyway.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import psycopg
from psycopg.rows import tuple_row

from core.db import query
from core.settings import OwnerLinkSettings
from core.sql import (
    OWNER_LINK_INSERT,
    OWNER_LINK_INSERT_FOR_RISK,
    OWNER_LINK_LOOKUP,
    OWNER_LINK_OPEN_RISK,
    OWNER_LINK_REVOKE,
    OWNER_LINK_TOUCH,
    OWNER_LINK_VEHICLE,
)

# "ol_" + 43 URL-safe characters (256 bits).
PREFIX = "ol_"
_TOKEN_BYTES = 32
_MAX_TOKEN_CHARS = 64
CREATED_BY = ("notify", "support", "demo")


class Refusal(StrEnum):
    """Why a link does not open the page."""

    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class OwnerLink:
    """A live link: it acts for this customer on this car (and shows this risk, when it has one)."""

    id: int
    customer_id: int
    vehicle_id: int
    risk_id: int | None
    expires_at: datetime


class OwnerLinkError(Exception):
    """The link cannot be minted (the car is not the customer's, or no such car)."""


def link_url(public_url: str, token: str) -> str:
    """Return the owner page URL of a token under the public base URL (pure)."""
    return f"{public_url.rstrip('/')}/o/{token}"


def token_hash(token: str) -> bytes:
    """Return the stored digest of a token (pure)."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def looks_like_token(token: str) -> bool:
    """Return True when the text could be a token (cheap check before any database work)."""
    return token.startswith(PREFIX) and len(token) <= _MAX_TOKEN_CHARS and token.isascii()


def mint(
    conn: psycopg.Connection,
    *,
    customer_id: int,
    vehicle_id: int,
    risk_id: int | None,
    created_by: str,
    now: datetime,
    ttl: timedelta,
) -> str:
    """Store a new link for the customer's car and return its token (shown once; only the hash is kept)."""
    if created_by not in CREATED_BY:
        raise ValueError(f"created_by must be one of {CREATED_BY}")
    token = PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    params = {
        "hash": token_hash(token),
        "customer_id": customer_id,
        "vehicle_id": vehicle_id,
        "risk_id": risk_id,
        "created_by": created_by,
        "now": now,
        "expires_at": now + ttl,
    }
    if conn.cursor(row_factory=tuple_row).execute(query(OWNER_LINK_INSERT), params).fetchone() is None:
        raise OwnerLinkError(f"vehicle {vehicle_id} is not customer {customer_id}'s")
    return token


def message_link(
    conn: psycopg.Connection,
    *,
    risk_id: int,
    customer_id: int,
    now: datetime,
    settings: OwnerLinkSettings,
) -> str | None:
    """Mint a link for the car of a risk while `customer_id` (the message's owner) still owns it; return the URL a
    care message carries (None: no such risk, or the car changed hands since the message was queued)."""
    token = PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    params = {
        "hash": token_hash(token),
        "risk_id": risk_id,
        "customer_id": customer_id,
        "now": now,
        "expires_at": now + timedelta(days=settings.ttl_days),
    }
    if (
        conn.cursor(row_factory=tuple_row).execute(query(OWNER_LINK_INSERT_FOR_RISK), params).fetchone()
        is None
    ):
        return None
    return link_url(settings.public_url, token)


def mint_for_customer(
    conn: psycopg.Connection,
    *,
    customer_id: int,
    vin: str | None,
    now: datetime,
    ttl: timedelta,
    created_by: str,
) -> str:
    """Mint a link for the customer's car (by VIN, else their newest) showing its most urgent open risk."""
    cur = conn.cursor(row_factory=tuple_row)
    row = cur.execute(query(OWNER_LINK_VEHICLE), {"customer_id": customer_id, "vin": vin}).fetchone()
    if row is None:
        raise OwnerLinkError("the customer has no such car" if vin else "the customer has no car")
    risk = cur.execute(query(OWNER_LINK_OPEN_RISK), {"vehicle_id": row[0]}).fetchone()
    return mint(
        conn,
        customer_id=customer_id,
        vehicle_id=row[0],
        risk_id=risk[0] if risk else None,
        created_by=created_by,
        now=now,
        ttl=ttl,
    )


def resolve(conn: psycopg.Connection, *, token: str, now: datetime) -> OwnerLink | Refusal:
    """Return the live link behind a token, or why it does not open (unknown, revoked, expired)."""
    if not looks_like_token(token):
        return Refusal.UNKNOWN
    cur = conn.cursor(row_factory=tuple_row)
    row = cur.execute(query(OWNER_LINK_LOOKUP), {"hash": token_hash(token)}).fetchone()
    if row is None:
        return Refusal.UNKNOWN
    link_id, customer_id, vehicle_id, risk_id, expires_at, revoked_at, still_owner = row
    if revoked_at is not None or not still_owner:
        return Refusal.REVOKED
    if now >= expires_at:
        return Refusal.EXPIRED
    conn.execute(query(OWNER_LINK_TOUCH), {"id": link_id, "now": now})
    return OwnerLink(link_id, customer_id, vehicle_id, risk_id, expires_at)


def revoke(conn: psycopg.Connection, *, customer_id: int, now: datetime, link_id: int | None = None) -> int:
    """Revoke one of the customer's links (or all of them when `link_id` is None); return how many."""
    params = {"customer_id": customer_id, "id": link_id, "now": now}
    return len(conn.cursor(row_factory=tuple_row).execute(query(OWNER_LINK_REVOKE), params).fetchall())
