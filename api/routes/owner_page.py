"""The owner's page (server-rendered, zh-CN/en, mobile first), reached from the link in each care message.

``/o/<token>``: the token is the credential (core/owner_links.py); it acts for one customer's car and shows the
risk its message was about. Not part of the JSON API (hidden from OpenAPI). No cookie carries authority, so a
cross-site form cannot act for the owner; each form still carries a field bound to the link (the token's HMAC of
the link id), and a post without it is refused.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.auth.principals import OwnerPrincipal
from api.auth.sessions import same_token
from api.auth.signing import sign
from api.deps import Conn
from api.errors import ApiError
from api.routes import feedback
from api.routes.advisor import Form
from api.schemas.feedback import SurveyAnswers
from api.state import app_state
from api.store import bookings as booking_store
from api.store import owner_page as store
from api.store import repository
from api.views import owner_charts, owner_page
from api.views.owner_text import TEXT, choose_locale, threshold_of
from core import bookings, owner_links
from core.owner_links import OwnerLink, Refusal
from domain.preference import PARTS_OF_DAY, OwnerPreference, PartOfDay

router = APIRouter(prefix="/o", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))

LANG_COOKIE = "cc_owner_lang"
HISTORY_DAYS = 180
_STATUS = {Refusal.UNKNOWN: 401, Refusal.REVOKED: 410, Refusal.EXPIRED: 410}
_DONE = ("booked", "cancelled", "answered", "replan")
# How far ahead the owner may ask for "another time" to start (notify searches BookingPolicy.horizon_days).
REPLAN_AHEAD_DAYS = 60
_HEADERS = {
    "Cache-Control": "no-store",
    # The token is in the URL: never send it to another site as a referrer, never frame the page.
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}


def _locale(request: Request, customer: str = "zh-CN") -> str:
    return choose_locale(
        requested=request.query_params.get("lang"), cookie=request.cookies.get(LANG_COOKIE), customer=customer
    )


def _render(request: Request, name: str, *, locale: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, {"locale": locale, "t": TEXT[locale], **context}, status_code=status
    )
    if request.query_params.get("lang") == locale:
        response.set_cookie(
            LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=True, path="/o"
        )
    response.headers.update(_HEADERS)
    return response


def form_token(token: str, link: OwnerLink) -> str:
    """Return the field every form of the page carries: bound to this link, derived from its secret token."""
    return sign(token, f"owner-form:{link.id}")


def _open(request: Request, conn: Conn, token: str) -> OwnerLink | HTMLResponse:
    """Return the live link, or the friendly page saying why it does not open (401 unknown, 410 revoked/expired)."""
    found = owner_links.resolve(conn, token=token, now=datetime.now(UTC))
    if isinstance(found, Refusal):
        return _refused(request, found)
    state = app_state(request.app)
    if state.limiter.take(f"link:{found.id}", now=time.monotonic()) > 0:
        raise ApiError(429, "rate_limited", "too many requests for this link; try again in a moment")
    return found


def _back(token: str, done: str | None = None, refused: str | None = None) -> RedirectResponse:
    query = f"?done={done}" if done else (f"?refused={refused}" if refused else "")
    return RedirectResponse(f"/o/{token}{query}", status_code=303)


@router.get("/{token}")
def page(request: Request, conn: Conn, token: str) -> Response:
    """Show the finding in plain words with its chart, the offered times (one tap books), the visit, the survey."""
    link = _open(request, conn, token)
    if isinstance(link, HTMLResponse):
        return link
    case = store.case(conn, link=link)
    if case is None:  # the car changed hands after the link was made
        return _refused(request, Refusal.REVOKED)
    locale = _locale(request, case["locale"])
    now = datetime.now(UTC)
    risk_live = case["risk_id"] is not None and (
        case["risk_status"] == "open" or case["booking_id"] is not None
    )
    view = owner_page.build(
        case if risk_live else {**case, "kind": None, "evidence": None, "stage": "detected"},
        options=store.options(conn, link=link, now=now) if risk_live else [],
        survey=store.survey(conn, link=link) if risk_live else None,
        messages=store.messages(conn, link=link) if case["risk_id"] is not None else [],
        has_chart=risk_live and case["kind"] in owner_charts.SERIES,
        locale=locale,
        now=now,
        change_cutoff=timedelta(hours=app_state(request.app).settings.owner_links.change_cutoff_hours),
    )
    done = request.query_params.get("done")
    refused = request.query_params.get("refused", "")
    t = TEXT[locale]
    return _render(
        request,
        "owner/page.html",
        locale=locale,
        page=view,
        token=token,
        form_token=form_token(token, link),
        flash=t[f"done_{done}"] if done in _DONE else None,
        error=_refusal_text(t, refused),
    )


def _refusal_text(t: dict[str, str], code: str) -> str | None:
    if not code:
        return None
    return t.get(f"err_{code}") or t["refused"] + (
        code if code.replace("_", "").isalpha() and len(code) <= 40 else ""
    )


def _refused(request: Request, refusal: Refusal) -> HTMLResponse:
    locale = _locale(request)
    message = TEXT[locale][f"gone_{refusal.value}"]
    return _render(request, "owner/gone.html", locale=locale, status=_STATUS[refusal], message=message)


@router.get("/{token}/chart.svg")
def chart(request: Request, conn: Conn, token: str) -> Response:
    """Return the finding's chart: the signal's daily values and the threshold the rule used, localized."""
    link = _open(request, conn, token)
    if isinstance(link, HTMLResponse):
        return link
    case = store.case(conn, link=link)
    if case is None or case["kind"] not in owner_charts.SERIES:
        raise ApiError(404, "not_found", "this finding has no chart")
    series = owner_charts.SERIES[case["kind"]]
    since = datetime.now(UTC) - timedelta(days=HISTORY_DAYS)
    rows = repository.vehicle_daily(conn, vehicle_id=link.vehicle_id, since=since)
    threshold = threshold_of(case["kind"], case["evidence"])
    if threshold is None and case["kind"] == "ev_battery_soh":
        threshold = app_state(request.app).settings.soh.threshold_pct
    svg = owner_charts.chart(
        series,
        owner_charts.points_of(series, rows),
        threshold=threshold,
        locale=_locale(request, case["locale"]),
    )
    return Response(
        content=svg,
        media_type="image/svg+xml",
        headers={**_HEADERS, "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
    )


def _checked(token: str, link: OwnerLink, form: dict[str, str]) -> bool:
    return same_token(form.get("form_token", ""), form_token(token, link))


def _option_of(conn: Conn, link: OwnerLink, form: dict[str, str], *, status: str) -> dict[str, Any] | None:
    raw = form.get("option", "")
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        return None
    rows = store.options(conn, link=link, now=datetime.now(UTC))
    return next((o for o in rows if o["id"] == int(raw) and o["status"] == status), None)


def _posted(request: Request, conn: Conn, token: str, form: dict[str, str]) -> OwnerLink | Response:
    """Return the link a form was posted through, or the answer: the link's refusal page, or back to the page
    when the form is not bound to this link."""
    link = _open(request, conn, token)
    if isinstance(link, HTMLResponse):
        return link
    if not _checked(token, link, form):
        return _back(token, refused="invalid_form")
    return link


def _release(
    request: Request, conn: Conn, token: str, link: OwnerLink, case: dict[str, Any], booking: dict[str, Any]
) -> Response | None:
    """Decline the owner's booked visit while the center's change cutoff allows (slot and parts are free again);
    return the refusal to show instead, or None when it was released."""
    cutoff = timedelta(hours=app_state(request.app).settings.owner_links.change_cutoff_hours)
    if datetime.now(UTC) >= booking["slot_start"] - cutoff:
        return _back(token, refused="too_late")
    try:
        booking_store.decline(conn, booking_id=booking["id"], vin=case["vin"], customer_id=link.customer_id)
    except ApiError as exc:
        conn.rollback()
        return _back(token, refused=exc.code)
    return None


@router.post("/{token}/book")
def book(request: Request, conn: Conn, form: Form, token: str) -> Response:
    """Book the chosen offered time with one tap (the owner accepts the option), then show the page again."""
    link = _posted(request, conn, token, form)
    if isinstance(link, Response):
        return link
    option = _option_of(conn, link, form, status="suggested")
    case = store.case(conn, link=link)
    if option is None or case is None:
        return _back(token, refused="not_found")
    try:
        booking_store.accept(
            conn, booking_id=option["id"], by="owner", vin=case["vin"], customer_id=link.customer_id
        )
    except ApiError as exc:
        conn.rollback()
        return _back(token, refused=exc.code)
    conn.commit()
    return _back(token, done="booked")


@router.post("/{token}/cancel")
def cancel(request: Request, conn: Conn, form: Form, token: str) -> Response:
    """Cancel the booked visit while the center's cutoff allows; the case then waits for new offers."""
    link = _posted(request, conn, token, form)
    if isinstance(link, Response):
        return link
    option = _option_of(conn, link, form, status="accepted")
    case = store.case(conn, link=link)
    if option is None or case is None or case["stage"] != "booked":
        return _back(token, refused="not_found")
    if (refusal := _release(request, conn, token, link, case, option)) is not None:
        return refusal
    conn.commit()
    return _back(token, done="cancelled")


def _preference(form: dict[str, str], *, today: date) -> OwnerPreference | None:
    """Return the owner's "another time" choice from the form; None when it is not valid."""
    raw = form.get("earliest", "").strip()
    earliest: date | None = None
    if raw:
        try:
            earliest = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            earliest = None
        if earliest is None or not today <= earliest <= today + timedelta(days=REPLAN_AHEAD_DAYS):
            return None
    part = form.get("part", "any") or "any"
    if part not in PARTS_OF_DAY:
        return None
    return OwnerPreference(
        earliest=earliest, part_of_day=cast(PartOfDay, part), nearby=form.get("nearby") == "1"
    )


@router.post("/{token}/another-time")
def another_time(request: Request, conn: Conn, form: Form, token: str) -> Response:
    """Ask for other times than those offered (or reschedule the booked visit while the cutoff allows): the offers
    (or the booking) are released and notify's next pass plans new ones honouring the owner's preference."""
    link = _posted(request, conn, token, form)
    if isinstance(link, Response):
        return link
    case = store.case(conn, link=link)
    if case is None or case["risk_id"] is None or case["risk_status"] != "open":
        return _back(token, refused="not_found")
    now = datetime.now(UTC)
    preference = _preference(form, today=now.astimezone(ZoneInfo(case["tz"] or "Asia/Shanghai")).date())
    if preference is None:
        return _back(token, refused="invalid_date")
    if case["stage"] == "booked":
        booked = next((o for o in store.options(conn, link=link, now=now) if o["status"] == "accepted"), None)
        if booked is None:
            return _back(token, refused="not_found")
        if (refusal := _release(request, conn, token, link, case, booked)) is not None:
            return refusal
    elif case["stage"] != "notified":
        return _back(token, refused="not_possible")
    bookings.request_replan(conn, risk_id=case["risk_id"], preference=preference, now=now)
    conn.commit()
    return _back(token, done="replan")


@router.post("/{token}/survey")
def answer(request: Request, conn: Conn, form: Form, token: str) -> Response:
    """Store the survey answers through the owner API's own rules (a low score alerts the center at once)."""
    link = _posted(request, conn, token, form)
    if isinstance(link, Response):
        return link
    survey = store.survey(conn, link=link)
    case = store.case(conn, link=link)
    if survey is None or case is None:
        return _back(token, refused="not_found")
    answers: dict[str, Any] = {}
    for q in survey["questions"]:
        value = form.get(q["id"], "").strip()
        if q["type"] == "score":
            answers[q["id"]] = int(value) if value.isdigit() and len(value) == 1 else value
        elif q["type"] == "nps" and value:
            answers[q["id"]] = int(value) if value.isdigit() and len(value) <= 2 else value
        elif value:
            answers[q["id"]] = value
    owner = OwnerPrincipal(token_id=0, customer_id=link.customer_id)
    try:
        feedback.answer_survey(conn, owner, case["vin"], survey["id"], SurveyAnswers(answers=answers))
    except ApiError as exc:
        conn.rollback()
        return _back(token, refused=exc.code)
    conn.commit()
    return _back(token, done="answered")
