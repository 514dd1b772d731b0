"""Advisor page sessions: a random id in a signed httpOnly cookie; the database keeps its hash and CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from api.auth.signing import signed, unsign
from api.sql import (
    ADVISOR_SESSION_CLOSE_ALL,
    ADVISOR_SESSION_DELETE,
    ADVISOR_SESSION_INSERT,
    ADVISOR_SESSION_LOOKUP,
    ADVISOR_SESSION_PURGE,
)
from core.db import query

COOKIE = "cc_session"
_PURPOSE = "advisor-session"
LOGIN_CSRF_COOKIE = "cc_login_csrf"
_LOGIN_PURPOSE = "advisor-login"


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in advisor: who, which center (the only one the session may act for), role, and the token every
    POST form must carry."""

    advisor_id: int
    center_id: int
    center_name: str
    advisor_name: str
    role: str
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        """Return True for a center admin (manages the team)."""
        return self.role == "center_admin"


def _hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


def open_session(conn: psycopg.Connection, *, secret: str, advisor_id: int, ttl_s: float) -> str:
    """Store a new session of this advisor and return the signed cookie value for it."""
    session_id = secrets.token_urlsafe(32)
    params = {
        "id_hash": _hash(session_id),
        "advisor_id": advisor_id,
        "csrf": secrets.token_urlsafe(24),
        "ttl_s": ttl_s,
    }
    conn.execute(query(ADVISOR_SESSION_PURGE))
    conn.execute(query(ADVISOR_SESSION_INSERT), params)
    return signed(secret, purpose=_PURPOSE, value=session_id)


def load_session(conn: psycopg.Connection, *, secret: str, cookie: str | None) -> Session | None:
    """Return the live session behind a cookie value, or None (unsigned, expired, logged out, advisor deactivated)."""
    session_id = unsign(secret, purpose=_PURPOSE, token=cookie) if cookie else None
    if session_id is None:
        return None
    cur = conn.cursor(row_factory=dict_row)
    row = cur.execute(query(ADVISOR_SESSION_LOOKUP), {"id_hash": _hash(session_id)}).fetchone()
    return Session(**row) if row else None


def close_session(conn: psycopg.Connection, *, secret: str, cookie: str | None) -> None:
    """Delete the session behind a cookie value (and any expired sessions)."""
    session_id = unsign(secret, purpose=_PURPOSE, token=cookie) if cookie else None
    if session_id is not None:
        conn.execute(query(ADVISOR_SESSION_DELETE), {"id_hash": _hash(session_id)})


def close_all(conn: psycopg.Connection, *, advisor_id: int) -> int:
    """End every session of one advisor (log out everywhere, deactivation); return how many ended."""
    return conn.execute(query(ADVISOR_SESSION_CLOSE_ALL), {"advisor_id": advisor_id}).rowcount


def new_login_csrf(secret: str) -> str:
    """Return a signed token for the login form (double submit: cookie and hidden field carry the same)."""
    return signed(secret, purpose=_LOGIN_PURPOSE, value=secrets.token_urlsafe(16))


def login_csrf_ok(secret: str, *, cookie: str | None, field: str | None) -> bool:
    """Return True when the login form's token matches its cookie and was signed by us."""
    if not cookie or not field or not same_token(cookie, field):
        return False
    return unsign(secret, purpose=_LOGIN_PURPOSE, token=field) is not None


def same_token(given: str, expected: str) -> bool:
    """Return True when two tokens are equal (constant time; any text, not only ASCII, may come in)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
