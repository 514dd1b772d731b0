"""Advisor accounts (migration 0036): the one writer of the account columns of ``advisor``, of ``advisor_token``
(one-time invite and reset links), of ``advisor_audit``, and of ``customer.advisor_id`` when Carecast (not the
DMS) assigns a customer to an advisor."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import psycopg
import psycopg.errors
from psycopg.rows import class_row, tuple_row
from psycopg.types.json import Jsonb

from core.db import query
from core.errors import CarecastError
from core.passwords import hash_password, password_ok, password_problem
from core.sql import (
    ADVISOR_ASSIGN,
    ADVISOR_AUDIT_INSERT,
    ADVISOR_AUDIT_RECENT,
    ADVISOR_CENTER_BY_CODE,
    ADVISOR_DEACTIVATE,
    ADVISOR_INVITE,
    ADVISOR_LOADS,
    ADVISOR_LOGIN_LOOKUP,
    ADVISOR_SET_ROLE,
    ADVISOR_TEAM,
    ADVISOR_TOKEN_INSERT,
    ADVISOR_TOKEN_LOOKUP,
    ADVISOR_TOKEN_REDEEM,
    ADVISOR_UNASSIGNED,
)
from domain.assignment import AdvisorLoad, Unassigned, assign

ROLES = ("advisor", "center_admin")
# An invitation waits a week for its advisor; a reset link is for now.
INVITE_TTL = timedelta(days=7)
RESET_TTL = timedelta(hours=24)
# "ai_" + 43 URL-safe characters (256 bits); only the SHA-256 is stored.
PREFIX = "ai_"
_TOKEN_BYTES = 32
_MAX_TOKEN_CHARS = 64
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}")


def record_audit(
    conn: psycopg.Connection,
    *,
    center_id: int,
    advisor_id: int | None,
    action: str,
    subject: str,
    detail: Mapping[str, Any] | None = None,
    now: datetime,
) -> None:
    """Write one audit row (in the caller's transaction): `advisor_id` None means an operator at the command line.

    `action` is a short dotted code (``booking.accept``, ``team.invite``), `subject` names what was acted on
    (``booking:12``, ``advisor:3``)."""
    conn.execute(
        query(ADVISOR_AUDIT_INSERT),
        {
            "center_id": center_id,
            "advisor_id": advisor_id,
            "action": action,
            "subject": subject,
            "detail": Jsonb(dict(detail or {})),
            "at": now,
        },
    )


class AdvisorError(CarecastError):
    """An account action refused: `code` says why (email_taken, bad_role, not_found, weak_password)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Invitation:
    """A one-time link just minted: the advisor it is for, and the token (shown once, never stored)."""

    advisor_id: int
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LinkHolder:
    """Who a live one-time link is for (the invite page greets them by name)."""

    advisor_id: int
    purpose: str
    name: str
    login_email: str | None
    center_id: int
    center_name: str


@dataclass(frozen=True, slots=True)
class TeamMember:
    """One advisor of a center as the team page and ``carecast advisors list`` show them."""

    id: int
    name: str
    employee_no: str
    login_email: str | None
    role: str
    active: bool
    deactivated_here: bool  # by the center (team page): only a new invitation brings them back, not the DMS
    has_password: bool
    invited_at: datetime | None
    customers: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit row with the acting advisor's name (None: an operator at the command line)."""

    at: datetime
    action: str
    subject: str
    detail: dict[str, Any]
    advisor_name: str | None
    tz: str  # the center's time zone, to show `at` in


def link_path(token: str) -> str:
    """Return the path of the page that takes a one-time link's token."""
    return f"/advisor/invite/{token}"


def link_url(public_url: str, token: str) -> str:
    """Return the full one-time link under the API's public base URL."""
    return public_url.rstrip("/") + link_path(token)


def _tuples(conn: psycopg.Connection) -> psycopg.Cursor[tuple[Any, ...]]:
    """A cursor with tuple rows, whatever row factory the caller's connection has (the API's gives dicts)."""
    return conn.cursor(row_factory=tuple_row)


@cache
def _dummy_hash() -> str:
    """A hash to check against when the e-mail is unknown, so a miss costs the same scrypt as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def center_by_code(conn: psycopg.Connection, *, code: str) -> int:
    """Return the id of the service center with this code (AdvisorError not_found when there is none)."""
    row = _tuples(conn).execute(query(ADVISOR_CENTER_BY_CODE), {"code": code}).fetchone()
    if row is None:
        raise AdvisorError("not_found", f"no service center with code {code!r}")
    return int(row[0])


def _mint(
    conn: psycopg.Connection, *, advisor_id: int, purpose: str, ttl: timedelta, now: datetime
) -> Invitation:
    token = PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    params = {
        "token_hash": _token_hash(token),
        "advisor_id": advisor_id,
        "purpose": purpose,
        "now": now,
        "expires_at": now + ttl,
    }
    conn.execute(query(ADVISOR_TOKEN_INSERT), params)
    return Invitation(advisor_id=advisor_id, token=token, expires_at=now + ttl)


def invite(
    conn: psycopg.Connection,
    *,
    center_id: int,
    email: str,
    name: str,
    role: str,
    by: int | None,
    now: datetime,
    ttl: timedelta = INVITE_TTL,
) -> Invitation:
    """Create (or claim the DMS row of, or bring back the account the center deactivated with) an advisor account
    with this login e-mail and return its invite link; customers of the center still without an advisor are then
    assigned by load.

    Raises AdvisorError email_taken when another account already logs in with the e-mail, bad_role, bad_email."""
    email, name = email.strip(), " ".join(name.split())
    if role not in ROLES:
        raise AdvisorError("bad_role", f"role must be one of {', '.join(ROLES)}")
    if not _EMAIL.fullmatch(email):
        raise AdvisorError("bad_email", "not an e-mail address")
    if not 0 < len(name) <= 120:
        raise AdvisorError("bad_name", "a name of 1 to 120 characters is needed")
    params = {"center_id": center_id, "email": email, "name": name, "role": role, "now": now}
    try:
        with conn.transaction():
            row = _tuples(conn).execute(query(ADVISOR_INVITE), params).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        raise AdvisorError("email_taken", f"an account already logs in as {email}") from exc
    assert row is not None
    advisor_id = int(row[0])
    invitation = _mint(conn, advisor_id=advisor_id, purpose="invite", ttl=ttl, now=now)
    # a center's first advisor takes the customers waiting for one
    assign_unassigned(conn, center_id=center_id)
    record_audit(
        conn, center_id=center_id, advisor_id=by, action="team.invite", subject=f"advisor:{advisor_id}",
        detail={"email": email, "role": role}, now=now,
    )  # fmt: skip
    return invitation


def issue_reset(
    conn: psycopg.Connection, *, center_id: int, advisor_id: int, by: int | None, now: datetime,
    ttl: timedelta = RESET_TTL,
) -> Invitation:  # fmt: skip
    """Return a one-time password-reset link for one of the center's active advisors (earlier links end)."""
    member = next((m for m in team(conn, center_id=center_id) if m.id == advisor_id and m.active), None)
    if member is None or member.login_email is None:
        raise AdvisorError("not_found", "no active account with this id at this center")
    invitation = _mint(conn, advisor_id=advisor_id, purpose="reset", ttl=ttl, now=now)
    record_audit(
        conn, center_id=center_id, advisor_id=by, action="team.reset_link", subject=f"advisor:{advisor_id}",
        now=now,
    )  # fmt: skip
    return invitation


def link_holder(conn: psycopg.Connection, *, token: str, now: datetime) -> LinkHolder | None:
    """Return who a live (unused, unexpired) one-time link is for, or None."""
    if not token.startswith(PREFIX) or len(token) > _MAX_TOKEN_CHARS:
        return None
    cur = conn.cursor(row_factory=class_row(LinkHolder))
    return cur.execute(query(ADVISOR_TOKEN_LOOKUP), {"token_hash": _token_hash(token), "now": now}).fetchone()


def redeem(conn: psycopg.Connection, *, token: str, password: str, now: datetime) -> tuple[int, int] | None:
    """Use a one-time link to set the advisor's password; return (advisor id, center id), or None when the link
    is unknown, used, expired or its advisor inactive. Raises AdvisorError weak_password first."""
    problem = password_problem(password)
    if problem is not None:
        raise AdvisorError("weak_password", problem)
    if not token.startswith(PREFIX) or len(token) > _MAX_TOKEN_CHARS:
        return None
    params = {"token_hash": _token_hash(token), "password_hash": hash_password(password), "now": now}
    row = _tuples(conn).execute(query(ADVISOR_TOKEN_REDEEM), params).fetchone()
    if row is None:
        return None
    advisor_id, center_id, purpose = int(row[0]), int(row[1]), str(row[2])
    record_audit(
        conn, center_id=center_id, advisor_id=advisor_id, action=f"account.{purpose}_accepted",
        subject=f"advisor:{advisor_id}", now=now,
    )  # fmt: skip
    return advisor_id, center_id


def authenticate(conn: psycopg.Connection, *, email: str, password: str, now: datetime) -> int | None:
    """Return the advisor id when the e-mail and password match an active account, else None; the attempt on an
    existing account is audited (``account.login``, ``account.login_failed``).

    Unknown e-mails cost one hash too, so timing does not tell which e-mails have accounts."""
    row = _tuples(conn).execute(query(ADVISOR_LOGIN_LOOKUP), {"email": email.strip()}).fetchone()
    if row is None:
        password_ok(_dummy_hash(), password)
        return None
    advisor_id, center_id, stored, active = int(row[0]), int(row[1]), row[2], bool(row[3])
    ok = password_ok(stored, password) and active
    record_audit(
        conn, center_id=center_id, advisor_id=advisor_id, action="account.login" if ok else "account.login_failed",
        subject=f"advisor:{advisor_id}", now=now,
    )  # fmt: skip
    return advisor_id if ok else None


def team(conn: psycopg.Connection, *, center_id: int) -> list[TeamMember]:
    """Return a center's advisors (active first, by name) with role, account state and customers assigned."""
    cur = conn.cursor(row_factory=class_row(TeamMember))
    return cur.execute(query(ADVISOR_TEAM), {"center_id": center_id}).fetchall()


def set_role(
    conn: psycopg.Connection, *, center_id: int, advisor_id: int, role: str, by: int | None, now: datetime
) -> None:
    """Change one of the center's advisors' role (AdvisorError bad_role, not_found)."""
    if role not in ROLES:
        raise AdvisorError("bad_role", f"role must be one of {', '.join(ROLES)}")
    params = {"center_id": center_id, "advisor_id": advisor_id, "role": role}
    row = _tuples(conn).execute(query(ADVISOR_SET_ROLE), params).fetchone()
    if row is None:
        raise AdvisorError("not_found", "no advisor with this id at this center")
    record_audit(
        conn, center_id=center_id, advisor_id=by, action="team.role", subject=f"advisor:{advisor_id}",
        detail={"from": row[0], "to": role}, now=now,
    )  # fmt: skip


def deactivate(
    conn: psycopg.Connection, *, center_id: int, advisor_id: int, by: int | None, now: datetime
) -> int:
    """Deactivate one of the center's advisors (they can no longer log in) and give their customers to the
    others by load; return how many customers moved (AdvisorError not_found)."""
    row = (
        _tuples(conn)
        .execute(query(ADVISOR_DEACTIVATE), {"center_id": center_id, "advisor_id": advisor_id, "now": now})
        .fetchone()
    )
    if row is None:
        raise AdvisorError("not_found", "no active advisor with this id at this center")
    moved = assign_unassigned(conn, center_id=center_id)
    record_audit(
        conn, center_id=center_id, advisor_id=by, action="team.deactivate", subject=f"advisor:{advisor_id}",
        detail={"customers_released": int(row[0]), "customers_reassigned": moved}, now=now,
    )  # fmt: skip
    return moved


def recent_audit(conn: psycopg.Connection, *, center_id: int, limit: int = 50) -> list[AuditEntry]:
    """Return a center's newest audit entries, newest first."""
    cur = conn.cursor(row_factory=class_row(AuditEntry))
    return cur.execute(query(ADVISOR_AUDIT_RECENT), {"center_id": center_id, "limit": limit}).fetchall()


def assign_unassigned(conn: psycopg.Connection, *, center_id: int | None = None) -> int:
    """Give each customer without an advisor (of one center, or of all) the least-loaded active advisor of their
    preferred center (domain/assignment.py); return how many were assigned. Customers the DMS assigned keep
    theirs: only rows still without an advisor are written."""
    params = {"center_id": center_id}
    customers = [
        Unassigned(customer_id=int(r[0]), center_id=r[1])
        for r in _tuples(conn).execute(query(ADVISOR_UNASSIGNED), params).fetchall()
    ]
    if not customers:
        return 0
    loads = [
        AdvisorLoad(advisor_id=int(r[0]), center_id=int(r[1]), customers=int(r[2]))
        for r in _tuples(conn).execute(query(ADVISOR_LOADS), params).fetchall()
    ]
    chosen = assign(customers, loads)
    if not chosen:
        return 0
    rows = [{"customer_id": c, "advisor_id": a} for c, a in chosen.items()]
    return conn.execute(query(ADVISOR_ASSIGN), {"rows": Jsonb(rows)}).rowcount
