"""What every advisor page shares: the templates, the page language, rendering with the page headers, small
urlencoded forms, and who is asking as a dependency chain: ``AdvisorSession`` (logged in, else to the login
form) → ``AdminSession`` (a center admin, else 403)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.auth import sessions
from api.deps import Conn
from api.errors import ApiError
from api.state import app_state
from api.views.advisor_text import TEXT, choose_locale

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))

LANG_COOKIE = "cc_lang"
LOGIN_PATH = "/advisor/login"
_MAX_FORM_BYTES = 4096


async def form_fields(request: Request) -> dict[str, str]:
    """Return the fields of a small urlencoded form body (no multipart: the pages only post short forms)."""
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise ApiError(413, "payload_too_large", "form too large")
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), max_num_fields=10))


Form = Annotated[dict[str, str], Depends(form_fields)]


def locale_of(request: Request) -> str:
    """Return the page language: ?lang=, then the remembered cookie, then Accept-Language."""
    return choose_locale(
        requested=request.query_params.get("lang"),
        cookie=request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


def render(request: Request, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Return a page in the request's language, never cached, scripts off by policy."""
    locale = locale_of(request)
    response = templates.TemplateResponse(
        request, name, {"locale": locale, "t": TEXT[locale], **context}, status_code=status
    )
    if request.query_params.get("lang") == locale:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=True)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'unsafe-inline'"
    return response


def secure_cookies(request: Request) -> bool:
    """Return whether cookies are sent only over HTTPS."""
    return app_state(request.app).settings.api.cookie_secure


def session_of(request: Request, conn: Conn) -> sessions.Session | None:
    """Return the live session behind the request's cookie, or None."""
    cookie = request.cookies.get(sessions.COOKIE)
    return sessions.load_session(conn, secret=app_state(request.app).secret, cookie=cookie)


def require_session(request: Request, conn: Conn) -> sessions.Session:
    """Return the logged-in advisor's session; without one, send the browser to the login form."""
    session = session_of(request, conn)
    if session is None:
        raise HTTPException(status_code=303, detail="log in first", headers={"Location": LOGIN_PATH})
    return session


AdvisorSession = Annotated[sessions.Session, Depends(require_session)]


def require_admin(session: AdvisorSession) -> sessions.Session:
    """Return the session of a center admin; anyone else gets 403."""
    if not session.is_admin:
        raise ApiError(403, "forbidden", "only a center admin may do this")
    return session


AdminSession = Annotated[sessions.Session, Depends(require_admin)]


def form_ok(session: sessions.Session, form: dict[str, str]) -> bool:
    """Return True when a POST form carries the session's CSRF token."""
    return sessions.same_token(form.get("csrf_token", ""), session.csrf_token)
