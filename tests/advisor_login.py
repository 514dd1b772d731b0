"""Advisor accounts for tests: make one, log in as it through the real login form, read a page's CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import psycopg

from core.advisors import invite, redeem

PASSWORD = "pw-for-tests-1"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class SessionClient(httpx.Client):
    """An httpx client already used to log in; ``with`` still works on it (and closes it on exit)."""

    def __enter__(self) -> SessionClient:
        return self


def make_advisor(
    conn: psycopg.Connection,
    *,
    center_id: int,
    email: str,
    password: str = PASSWORD,
    role: str = "advisor",
    name: str = "Test Advisor",
    now: datetime | None = None,
) -> int:
    """Create an active advisor account with this password (invited and accepted, as for real, at `now`, else the
    wall clock); commit; return its id."""
    now = now or datetime.now(UTC)
    invitation = invite(conn, center_id=center_id, email=email, name=name, role=role, by=None, now=now)
    assert redeem(conn, token=invitation.token, password=password, now=now) is not None
    conn.commit()
    return invitation.advisor_id


def csrf_of(html: str) -> str:
    """Return the CSRF token of the first POST form in a page."""
    found = _CSRF.search(html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


def log_in(client: httpx.Client, email: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
    """Post the login form with this client (an httpx client or a TestClient) and return the answer unfollowed."""
    form = client.get("/advisor/login", headers=headers)
    assert form.status_code == 200, form.text
    data = {"csrf_token": csrf_of(form.text), "email": email, "password": password}
    return client.post("/advisor/login", data=data, headers=headers, follow_redirects=False)


def login(base_url: str, email: str, password: str = PASSWORD) -> SessionClient:
    """Return a client (no redirects followed) holding the session cookie of this advisor; fail when the login
    is refused. Use it in a ``with`` block, or close it."""
    client = SessionClient(base_url=base_url, follow_redirects=False, timeout=30)
    answer = log_in(client, email, password)
    assert answer.status_code == 303 and answer.headers["location"] == "/advisor", answer.text
    return client


def csrf(client: httpx.Client) -> str:
    """Return the CSRF token of the logged-in client's session (from the board page's forms)."""
    page = client.get("/advisor")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)
