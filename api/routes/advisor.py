"""The service advisor's page (server-rendered, zh-CN/en): log in with a center key, see and act on bookings.

Not part of the JSON API (hidden from OpenAPI). The browser never holds the key: logging in opens a session whose
signed random id sits in an httpOnly cookie; every POST form carries the session's CSRF token.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.auth import sessions
from api.auth.principals import center_principal
from api.deps import Conn
from api.errors import ApiError
from api.state import app_state
from api.store import bookings as booking_store
from api.store import repository
from api.views.advisor_text import TEXT, choose_locale, evidence_lines

router = APIRouter(prefix="/advisor", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))

LANG_COOKIE = "cc_lang"
_MAX_FORM_BYTES = 4096
# fullmatch, never match with "$": that would also accept a trailing newline.
_CODE = re.compile(r"[a-z_]{1,40}")


async def form_fields(request: Request) -> dict[str, str]:
    """Return the fields of a small urlencoded form body (no multipart: the page only posts short forms)."""
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise ApiError(413, "payload_too_large", "form too large")
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), max_num_fields=10))


Form = Annotated[dict[str, str], Depends(form_fields)]


def _locale(request: Request) -> str:
    return choose_locale(
        requested=request.query_params.get("lang"),
        cookie=request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


def _page(request: Request, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    locale = _locale(request)
    response = templates.TemplateResponse(
        request, name, {"locale": locale, "t": TEXT[locale], **context}, status_code=status
    )
    if request.query_params.get("lang") == locale:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=True)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'unsafe-inline'"
    return response


def _secure(request: Request) -> bool:
    return app_state(request.app).settings.api.cookie_secure


def _login_page(request: Request, *, error: str | None = None, status: int = 200) -> HTMLResponse:
    token = sessions.new_login_csrf(app_state(request.app).secret)
    response = _page(request, "advisor/login.html", status=status, csrf_token=token, error=error)
    response.set_cookie(
        sessions.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


def _session(request: Request, conn: Conn) -> sessions.Session | None:
    cookie = request.cookies.get(sessions.COOKIE)
    return sessions.load_session(conn, secret=app_state(request.app).secret, cookie=cookie)


def _to_board(query: str = "") -> RedirectResponse:
    return RedirectResponse(f"/advisor{query}", status_code=303)


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    """Show the login form."""
    return _login_page(request)


@router.post("/login")
def login(request: Request, conn: Conn, form: Form) -> Response:
    """Open a session for a valid service-center key and go to the board."""
    t = TEXT[_locale(request)]
    secret = app_state(request.app).secret
    if not sessions.login_csrf_ok(
        secret, cookie=request.cookies.get(sessions.LOGIN_CSRF_COOKIE), field=form.get("csrf_token")
    ):
        return _login_page(request, error=t["bad_form"], status=403)
    try:
        caller = center_principal(conn, secret=form.get("api_key", "").strip())
    except ApiError:
        caller = None
    if caller is None or caller.center_id is None:
        return _login_page(request, error=t["bad_key"], status=401)
    ttl_s = app_state(request.app).settings.api.session_hours * 3600
    cookie = sessions.open_session(
        conn, secret=secret, key_id=caller.key_id, center_id=caller.center_id, ttl_s=ttl_s
    )
    conn.commit()  # the redirected GET must find the session
    response = _to_board()
    response.set_cookie(
        sessions.COOKIE, cookie, max_age=int(ttl_s), httponly=True, samesite="lax", secure=_secure(request)
    )
    response.delete_cookie(sessions.LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, conn: Conn, form: Form) -> Response:
    """End the session and go back to the login form."""
    session = _session(request, conn)
    if session is not None and sessions.same_token(form.get("csrf_token", ""), session.csrf_token):
        sessions.close_session(
            conn, secret=app_state(request.app).secret, cookie=request.cookies.get(sessions.COOKIE)
        )
        conn.commit()
    response = RedirectResponse("/advisor/login", status_code=303)
    response.delete_cookie(sessions.COOKIE)
    return response


def _row_for_page(row: dict[str, Any], *, locale: str) -> dict[str, Any]:
    local = row["slot_start"].astimezone(ZoneInfo(row["tz"]))
    lines = evidence_lines(row["kind"], row["evidence"], locale=locale)
    pickup = row["pickup_at"].astimezone(ZoneInfo(row["tz"])) if row.get("pickup_at") else None
    return {
        **row,
        "slot_local": local.strftime("%Y-%m-%d %H:%M"),
        "pickup_local": pickup.strftime("%Y-%m-%d %H:%M") if pickup else None,
        "evidence_lines": lines,
    }


def _reply_for_page(row: dict[str, Any]) -> dict[str, Any]:
    """A reply with its time in the center's zone, zone named: ``2026-12-07 12:10 +08:00 (Asia/Shanghai)``."""
    local = row["created_at"].astimezone(ZoneInfo(row["tz"]))
    offset = local.strftime("%z")
    return {**row, "received_local": f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]} ({row['tz']})"}


@router.get("")
def board(request: Request, conn: Conn) -> Response:
    """Show live suggestions (with evidence), booked visits, open cases, bookings to rebook (the dealer's data now
    rules them out), outreach tasks, survey alerts and owners' replies."""
    session = _session(request, conn)
    if session is None:
        return RedirectResponse("/advisor/login", status_code=303)
    locale = _locale(request)
    t = TEXT[locale]
    rows = [
        _row_for_page(r, locale=locale)
        for r in repository.advisor_board(conn, center_id=session.center_id, now=datetime.now(UTC))
    ]
    feed = repository.advisor_feed_items(conn, center_id=session.center_id)
    done = request.query_params.get("done")
    refused = request.query_params.get("refused", "")
    return _page(
        request,
        "advisor/board.html",
        center_name=session.center_name,
        csrf_token=session.csrf_token,
        suggested=[r for r in rows if r["status"] == "suggested"],
        booked=[r for r in rows if r["status"] == "accepted"],
        cases=repository.open_cases(conn, center_id=session.center_id, after_id=0, limit=100),
        conflicts=[i for i in feed if i["kind"] == "booking_conflict"],
        outreach=[i for i in feed if i["kind"] == "outreach"],
        survey_alerts=[i for i in feed if i["kind"] == "low_feedback"],
        replies=[
            _reply_for_page(r) for r in repository.advisor_owner_replies(conn, center_id=session.center_id)
        ],
        flash=t.get(done) if done in ("accepted", "declined") else None,
        error=t["refused"] + refused if _CODE.fullmatch(refused) else None,
    )


@router.post("/bookings/{booking_id}/{action}")
def act(request: Request, conn: Conn, form: Form, booking_id: int, action: str) -> Response:
    """Accept or decline one of the center's bookings, then show the board again."""
    session = _session(request, conn)
    if session is None:
        return RedirectResponse("/advisor/login", status_code=303)
    if not sessions.same_token(form.get("csrf_token", ""), session.csrf_token):
        return _to_board("?refused=invalid_form")
    if action not in ("accept", "decline") or not 0 < booking_id < 2**63:
        return _to_board("?refused=not_found")
    try:
        if action == "accept":
            booking_store.accept(conn, booking_id=booking_id, by="center", center_id=session.center_id)
        else:
            booking_store.decline(conn, booking_id=booking_id, center_id=session.center_id)
    except ApiError as exc:
        conn.rollback()
        return _to_board(f"?refused={exc.code}")
    conn.commit()
    return _to_board(f"?done={action}ed")
