"""Advisor accounts on the page: log in with e-mail and password, log out (here or everywhere), and set a
password from a one-time invite or reset link (core/advisors.py keeps the accounts).

Logins are rate-limited per e-mail and per client address in this process (api/auth/ratelimit.py says why a
per-process limit is the honest scope); each attempt costs one scrypt either way, so a miss is not faster.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.advisor_pages import (
    LOGIN_PATH,
    AdvisorSession,
    Form,
    form_ok,
    locale_of,
    render,
    secure_cookies,
    session_of,
)
from api.auth import sessions
from api.auth.ratelimit import RateLimiter, retry_after_header
from api.deps import Conn
from api.state import app_state
from api.views.advisor_text import TEXT
from core import advisors

router = APIRouter(prefix="/advisor", include_in_schema=False)

# Ten tries per e-mail, then one every 30 s; an address (an office behind one NAT) gets more.
_PER_EMAIL = RateLimiter(rate_per_s=1 / 30, burst=10)
_PER_ADDRESS = RateLimiter(rate_per_s=1.0, burst=60)


def _form_page(
    request: Request, name: str, *, status: int = 200, error: str | None = None, **context: object
) -> HTMLResponse:
    """A page with a pre-session form: its CSRF token is double-submitted (cookie and hidden field)."""
    token = sessions.new_login_csrf(app_state(request.app).secret)
    response = render(request, name, status=status, csrf_token=token, error=error, **context)
    response.set_cookie(
        sessions.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(request)
    )
    return response


def _form_fresh(request: Request, form: dict[str, str]) -> bool:
    return sessions.login_csrf_ok(
        app_state(request.app).secret,
        cookie=request.cookies.get(sessions.LOGIN_CSRF_COOKIE),
        field=form.get("csrf_token"),
    )


def _signed_in(request: Request, conn: Conn, *, advisor_id: int) -> Response:
    """Open a session for the advisor and send them to the board with its cookie."""
    ttl_s = app_state(request.app).settings.api.session_hours * 3600
    cookie = sessions.open_session(
        conn, secret=app_state(request.app).secret, advisor_id=advisor_id, ttl_s=ttl_s
    )
    conn.commit()  # the redirected GET must find the session
    response = RedirectResponse("/advisor", status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        cookie,
        max_age=int(ttl_s),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    response.delete_cookie(sessions.LOGIN_CSRF_COOKIE)
    return response


def _throttled(request: Request, email: str) -> float:
    now = time.monotonic()
    address = request.client.host if request.client else "-"
    return max(_PER_EMAIL.take(email.strip().lower(), now=now), _PER_ADDRESS.take(address, now=now))


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    """Show the login form."""
    return _form_page(request, "advisor/login.html")


@router.post("/login")
def login(request: Request, conn: Conn, form: Form) -> Response:
    """Open a session for a matching e-mail and password of an active account and go to the board."""
    t = TEXT[locale_of(request)]
    email = form.get("email", "")[:254]
    if not _form_fresh(request, form):
        return _form_page(request, "advisor/login.html", error=t["bad_form"], status=403, email=email)
    wait_s = _throttled(request, email)
    if wait_s > 0:
        response = _form_page(request, "advisor/login.html", error=t["too_many"], status=429, email=email)
        response.headers["Retry-After"] = retry_after_header(wait_s)
        return response
    advisor_id = advisors.authenticate(
        conn, email=email, password=form.get("password", ""), now=datetime.now(UTC)
    )
    if advisor_id is None:
        return _form_page(request, "advisor/login.html", error=t["bad_login"], status=401, email=email)
    return _signed_in(request, conn, advisor_id=advisor_id)


@router.post("/logout")
def logout(request: Request, conn: Conn, form: Form) -> Response:
    """End this session and go back to the login form."""
    session = session_of(request, conn)
    if session is not None and form_ok(session, form):
        sessions.close_session(
            conn, secret=app_state(request.app).secret, cookie=request.cookies.get(sessions.COOKIE)
        )
        conn.commit()
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(sessions.COOKIE)
    return response


@router.post("/logout-everywhere")
def logout_everywhere(session: AdvisorSession, conn: Conn, form: Form) -> Response:
    """End every session of this advisor (all browsers and phones) and go back to the login form."""
    if not form_ok(session, form):
        return RedirectResponse("/advisor?refused=invalid_form", status_code=303)
    ended = sessions.close_all(conn, advisor_id=session.advisor_id)
    advisors.record_audit(
        conn, center_id=session.center_id, advisor_id=session.advisor_id, action="account.logout_everywhere",
        subject=f"advisor:{session.advisor_id}", detail={"sessions": ended}, now=datetime.now(UTC),
    )  # fmt: skip
    conn.commit()
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(sessions.COOKIE)
    return response


@router.get("/invite/{token}")
def invite_form(request: Request, conn: Conn, token: str) -> HTMLResponse:
    """Show the set-a-password form of a live one-time link (410 when it is used, expired or unknown)."""
    holder = advisors.link_holder(conn, token=token, now=datetime.now(UTC))
    if holder is None:
        return render(
            request,
            "advisor/invite.html",
            status=410,
            holder=None,
            error=TEXT[locale_of(request)]["link_dead"],
        )
    return _form_page(request, "advisor/invite.html", holder=holder, token=token)


@router.post("/invite/{token}")
def invite_accept(request: Request, conn: Conn, form: Form, token: str) -> Response:
    """Set the password of a live one-time link (using it up), end the advisor's other sessions, log them in."""
    t = TEXT[locale_of(request)]
    now = datetime.now(UTC)
    holder = advisors.link_holder(conn, token=token, now=now)
    if holder is None:
        return render(request, "advisor/invite.html", status=410, holder=None, error=t["link_dead"])
    if not _form_fresh(request, form):
        return _form_page(
            request, "advisor/invite.html", holder=holder, token=token, error=t["bad_form"], status=403
        )
    password = form.get("password", "")
    if password != form.get("password_again", ""):
        return _form_page(
            request,
            "advisor/invite.html",
            holder=holder,
            token=token,
            error=t["password_mismatch"],
            status=400,
        )
    try:
        redeemed = advisors.redeem(conn, token=token, password=password, now=now)
    except advisors.AdvisorError as exc:
        return _form_page(
            request, "advisor/invite.html", holder=holder, token=token, error=t[f"password_{exc}"], status=400
        )
    if redeemed is None:
        return render(request, "advisor/invite.html", status=410, holder=None, error=t["link_dead"])
    sessions.close_all(conn, advisor_id=redeemed[0])  # a new password ends the sessions of the old one
    return _signed_in(request, conn, advisor_id=redeemed[0])
