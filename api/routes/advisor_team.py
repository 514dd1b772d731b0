"""The center admin's team page: the center's advisors with role, customers and account state; invite one (the
one-time link is shown once), change a role, deactivate (their sessions end, their customers go to the others
by load), issue a password-reset link; the center's recent audit entries. Every change is audited by
core/advisors.py; anyone but a center admin gets 403 (``AdminSession``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.advisor_pages import AdminSession, Form, form_ok, locale_of, render
from api.auth import sessions
from api.deps import Conn
from api.state import app_state
from api.views.advisor_text import TEXT
from api.views.advisor_words import zoned
from core import advisors

router = APIRouter(prefix="/advisor/team", include_in_schema=False)
_ACTIONS = ("role", "deactivate", "reset")


def _team_page(
    request: Request, conn: Conn, session: sessions.Session, *, status: int = 200, **context: Any
) -> HTMLResponse:
    members = advisors.team(conn, center_id=session.center_id)
    return render(
        request,
        "advisor/team.html",
        status=status,
        session=session,
        active="team",
        csrf_token=session.csrf_token,
        center_name=session.center_name,
        members=members,
        subjects={f"advisor:{m.id}": m.name for m in members},
        audit=advisors.recent_audit(conn, center_id=session.center_id, limit=30),
        zoned=zoned,
        roles=advisors.ROLES,
        **context,
    )


def _refused(
    request: Request, conn: Conn, session: sessions.Session, message: str, status: int
) -> HTMLResponse:
    t = TEXT[locale_of(request)]
    conn.rollback()
    return _team_page(request, conn, session, status=status, error=t["team_refused"] + message)


def _link(request: Request, token: str) -> str:
    return advisors.link_url(app_state(request.app).settings.owner_links.public_url, token)


@router.get("")
def team_page(request: Request, conn: Conn, session: AdminSession) -> HTMLResponse:
    """Show the team, the invite form and the recent audit entries."""
    done = request.query_params.get("done")
    return _team_page(request, conn, session, flash=TEXT[locale_of(request)]["team_done"] if done else None)


@router.post("/invite")
def invite(request: Request, conn: Conn, session: AdminSession, form: Form) -> Response:
    """Invite an advisor (name, e-mail, role) and show the one-time link once."""
    if not form_ok(session, form):
        return _refused(request, conn, session, "invalid_form", 403)
    try:
        invitation = advisors.invite(
            conn, center_id=session.center_id, email=form.get("email", ""), name=form.get("name", ""),
            role=form.get("role", "advisor"), by=session.advisor_id, now=datetime.now(UTC),
        )  # fmt: skip
    except advisors.AdvisorError as exc:
        return _refused(request, conn, session, exc.code, 400)
    conn.commit()
    name = " ".join(form.get("name", "").split())
    t = TEXT[locale_of(request)]
    return _team_page(
        request,
        conn,
        session,
        link=_link(request, invitation.token),
        link_note=t["invite_link_once"].format(name=name),
    )


@router.post("/{advisor_id}/{action}")
def act(
    request: Request, conn: Conn, session: AdminSession, form: Form, advisor_id: int, action: str
) -> Response:
    """Change a role, deactivate, or issue a reset link for one of the center's advisors (not oneself)."""
    if not form_ok(session, form):
        return _refused(request, conn, session, "invalid_form", 403)
    if action not in _ACTIONS or not 0 < advisor_id < 2**63:
        return _refused(request, conn, session, "not_found", 404)
    now = datetime.now(UTC)
    center_id, by = session.center_id, session.advisor_id
    if advisor_id == session.advisor_id and action != "reset":
        t = TEXT[locale_of(request)]
        return _team_page(request, conn, session, status=400, error=t["team_refused_self"])
    try:
        if action == "role":
            advisors.set_role(
                conn, center_id=center_id, advisor_id=advisor_id, role=form.get("role", ""), by=by, now=now
            )
        elif action == "deactivate":
            advisors.deactivate(conn, center_id=center_id, advisor_id=advisor_id, by=by, now=now)
            sessions.close_all(conn, advisor_id=advisor_id)
        else:
            invitation = advisors.issue_reset(
                conn, center_id=center_id, advisor_id=advisor_id, by=by, now=now
            )
            conn.commit()
            member = next(m for m in advisors.team(conn, center_id=center_id) if m.id == advisor_id)
            t = TEXT[locale_of(request)]
            note = t["reset_link_once"].format(name=member.name)
            return _team_page(request, conn, session, link=_link(request, invitation.token), link_note=note)
    except advisors.AdvisorError as exc:
        return _refused(request, conn, session, exc.code, 404 if exc.code == "not_found" else 400)
    conn.commit()
    return RedirectResponse("/advisor/team?done=1", status_code=303)
