"""The advisor page's feedback loop (server-rendered, zh-CN/en, no JavaScript): open negative-feedback alerts
(mine or the team's) with the answers in words and the next step as a button, goodwill, outreach tasks with
outcome buttons, and the loop's numbers (per advisor for a center admin).

Every POST form carries the session's CSRF token, acts only on the session's center (another center's alert is
not found) through core/feedback.py, and leaves an audit row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.advisor_pages import AdvisorSession, Form, form_ok, locale_of, render
from api.deps import Conn
from api.store import feedback_loop as store
from api.views.feedback_loop import metrics_out
from api.views.feedback_text import (
    GOODWILL,
    OUTCOMES,
    RESOLUTIONS,
    TEXT,
    alert_card,
    choices,
    figure,
    task_card,
)
from core import advisors
from core import feedback as loop
from domain.feedback import AlertAction, GoodwillKind, OutreachOutcome, Resolution

router = APIRouter(prefix="/advisor/feedback", include_in_schema=False)
PAGE = "/advisor/feedback"
METRICS_DAYS = 90
MAX_NOTE = 2000


def _back(scope: str, **query: str) -> RedirectResponse:
    return RedirectResponse(f"{PAGE}?" + urlencode({"scope": scope, **query}), status_code=303)


def _settle(conn: Conn, scope: str, *, done: str, run: Callable[[], object]) -> RedirectResponse:
    """Run one change of the loop (core/feedback.py writes it, its event and its audit) and commit it; a refusal
    rolls back and goes back to the page saying why."""
    try:
        run()
    except loop.NotFound:
        conn.rollback()
        return _back(scope, refused="not_found")
    except loop.Refused:
        conn.rollback()
        return _back(scope, refused="step")
    conn.commit()
    return _back(scope, done=done)


def _scope(value: str | None) -> str:
    return "team" if value == "team" else "mine"


@router.get("")
def page(request: Request, conn: Conn, session: AdvisorSession) -> Response:
    """Show the open alerts and outreach tasks (mine or the team's) and the center's numbers."""
    locale = locale_of(request)
    scope = _scope(request.query_params.get("scope"))
    mine = session.advisor_id if scope == "mine" else None
    t = TEXT[locale]
    alerts = store.alerts(conn, center_id=session.center_id, advisor_id=mine, include_resolved=False)
    tasks = store.outreach(conn, center_id=session.center_id, advisor_id=mine)
    since = datetime.now(UTC) - timedelta(days=METRICS_DAYS)
    metrics = metrics_out(
        store.center_loops(conn, since=since, center_id=session.center_id).get(session.center_id)
    )
    names = (
        {m.id: m.name for m in advisors.team(conn, center_id=session.center_id)} if session.is_admin else {}
    )
    per_advisor = [
        (names.get(a.advisor_id, t["unassigned"]) if a.advisor_id else t["unassigned"], a)
        for a in metrics.advisors
    ]
    refused = request.query_params.get("refused", "")
    return render(
        request,
        "advisor/feedback.html",
        session=session,
        csrf_token=session.csrf_token,
        active="feedback",
        f=t,
        scope=scope,
        alerts=[alert_card(r, locale) for r in alerts],
        tasks=[task_card(r, locale) for r in tasks],
        resolutions=choices(RESOLUTIONS, locale),
        goodwill_kinds=choices(GOODWILL, locale),
        outcomes=choices(OUTCOMES, locale),
        metrics=metrics,
        per_advisor=per_advisor,
        figure=figure,
        flash=t["done"] if request.query_params.get("done") else None,
        error=t["refused"] + t.get(f"refused_{refused}", t["refused_invalid"]) if refused else None,
    )


def _note(form: dict[str, str]) -> str | None:
    note = form.get("note", "").strip()
    return note[:MAX_NOTE] or None


@router.post("/alerts/{alert_id}/steps/{action}")
def alert_step(
    request: Request, conn: Conn, session: AdvisorSession, form: Form, alert_id: int, action: str
) -> Response:
    """Take the next step on one of the center's alerts: acknowledge, contact, or resolve (with a resolution)."""
    scope = _scope(form.get("scope"))
    if not form_ok(session, form):
        return _back(scope, refused="invalid_form")
    try:
        step = AlertAction(action)
        resolution = Resolution(form["resolution"]) if step is AlertAction.RESOLVE else None
    except (ValueError, KeyError):
        return _back(scope, refused="invalid")
    if not 0 < alert_id < 2**63:
        return _back(scope, refused="not_found")
    return _settle(
        conn,
        scope,
        done=step.value,
        run=lambda: loop.step(
            conn,
            center_id=session.center_id,
            alert_id=alert_id,
            action=step,
            advisor_id=session.advisor_id,
            now=datetime.now(UTC),
            resolution=resolution,
            note=_note(form),
        ),
    )


@router.post("/alerts/{alert_id}/goodwill")
def goodwill(request: Request, conn: Conn, session: AdvisorSession, form: Form, alert_id: int) -> Response:
    """Record a goodwill gesture (coupon value or points) on one of the center's alerts, once."""
    scope = _scope(form.get("scope"))
    if not form_ok(session, form):
        return _back(scope, refused="invalid_form")
    try:
        kind = GoodwillKind(form.get("kind", ""))
        amount = Decimal(form.get("amount", "").strip())
    except (ValueError, InvalidOperation):
        return _back(scope, refused="invalid")
    if not (amount.is_finite() and 0 < amount <= 1_000_000) or not 0 < alert_id < 2**63:
        return _back(scope, refused="invalid")
    return _settle(
        conn,
        scope,
        done="goodwill",
        run=lambda: loop.record_goodwill(
            conn,
            center_id=session.center_id,
            alert_id=alert_id,
            kind=kind,
            amount=amount.quantize(Decimal("0.01")),
            note=_note(form),
            advisor_id=session.advisor_id,
            now=datetime.now(UTC),
        ),
    )


@router.post("/outreach/{task_id}")
def outreach_outcome(
    request: Request, conn: Conn, session: AdvisorSession, form: Form, task_id: int
) -> Response:
    """Close one of the center's outreach tasks with the call's outcome."""
    scope = _scope(form.get("scope"))
    if not form_ok(session, form):
        return _back(scope, refused="invalid_form")
    try:
        outcome = OutreachOutcome(form.get("outcome", ""))
    except ValueError:
        return _back(scope, refused="invalid")
    if not 0 < task_id < 2**63:
        return _back(scope, refused="not_found")
    return _settle(
        conn,
        scope,
        done="outreach",
        run=lambda: loop.close_outreach(
            conn,
            center_id=session.center_id,
            item_id=task_id,
            outcome=outcome,
            note=_note(form),
            advisor_id=session.advisor_id,
            now=datetime.now(UTC),
        ),
    )
