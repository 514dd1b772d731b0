"""The service advisor's worklist (server-rendered, zh-CN/en): one card per case of the center's cars, "mine" or
the whole team, and the actions where the work happens: accept or decline an offer, check the car in, start, complete
with outcome and parts, move a booked visit, note (logging in: advisor_auth.py; customers: advisor_customers.py).

Not part of the JSON API (hidden from OpenAPI). Every POST form carries the session's CSRF token; every action is
scoped to the session's center (another center's booking is not found) and leaves an audit row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.advisor_pages import AdvisorSession, Form, form_ok, locale_of, render
from api.deps import Conn
from api.errors import ApiError
from api.store import advisor_desk, repository
from api.store import bookings as booking_store
from api.views.advisor_desk_text import WORDS, conflict_reason, refusal
from api.views.advisor_slots import free_slots
from api.views.advisor_text import TEXT
from api.views.advisor_words import zoned
from api.views.advisor_worklist import MAX_PARTS, Action, Scope, parts_used, worklist
from core import case_notes
from core.advisors import record_audit
from domain.vocabulary import Outcome

router = APIRouter(prefix="/advisor", include_in_schema=False)

# fullmatch, never match with "$": that would also accept a trailing newline.
_CODE = re.compile(r"[a-z_]{1,40}")


def _scope(value: str | None) -> Scope | None:
    return Scope(value) if value in (Scope.MINE, Scope.TEAM) else None


def _back(scope: Scope | None, **query: str) -> RedirectResponse:
    """Back to the worklist (in the scope the form came from, if it said) with what happened."""
    scoped = {"scope": scope.value} if scope is not None else {}
    return RedirectResponse("/advisor?" + urlencode({**scoped, **query}), status_code=303)


def _offset_row(row: dict[str, Any]) -> dict[str, Any]:
    """A reply with its time in the center's zone, zone named: ``2026-12-07 12:10 +08:00 (Asia/Shanghai)``."""
    local = row["created_at"].astimezone(ZoneInfo(row["tz"]))
    offset = local.strftime("%z")
    return {**row, "received_local": f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]} ({row['tz']})"}


@router.get("")
def board(request: Request, conn: Conn, session: AdvisorSession) -> Response:
    """Show the worklist: booked visits and offers waiting, one card per case, mine or the team's; bookings the
    dealer's data rules out; owners' replies."""
    locale = locale_of(request)
    scope = _scope(request.query_params.get("scope"))
    now = datetime.now(UTC)
    rows = repository.advisor_board(conn, center_id=session.center_id, now=now)
    if scope is None:  # "mine" by default; the team's for an advisor without customers of their own here
        mine = any(row["advisor_id"] == session.advisor_id for row in rows)
        scope = Scope.MINE if mine else Scope.TEAM
    cards = worklist(rows, locale=locale, advisor_id=session.advisor_id, scope=scope)
    feed = repository.advisor_feed_items(conn, center_id=session.center_id)
    conflicts = [
        {**i, "reason_text": conflict_reason(i["reason"], locale)}
        for i in feed
        if i["kind"] == "booking_conflict"
    ]
    done = request.query_params.get("done", "")
    refused = request.query_params.get("refused", "")
    w = WORDS[locale]
    return render(
        request,
        "advisor/board.html",
        session=session,
        csrf_token=session.csrf_token,
        active="worklist",
        w=w,
        scope=scope.value,
        booked=[c for c in cards if c.booked is not None],
        offered=[c for c in cards if c.booked is None],
        parts=advisor_desk.center_parts(conn, center_id=session.center_id),
        outcomes=[o.value for o in Outcome],
        max_parts=MAX_PARTS,
        conflicts=conflicts,
        replies=[_offset_row(r) for r in repository.advisor_owner_replies(conn, center_id=session.center_id)],
        flash=w.get(f"done_{done}") if done in {a.value for a in Action} | {"note"} else None,
        error=TEXT[locale]["refused"] + refusal(refused, locale) if _CODE.fullmatch(refused) else None,
    )


def _action_of(
    conn: Conn, session: Any, booking_id: int, action: Action, form: dict[str, str]
) -> Callable[[], dict[str, Any]]:
    center_id = session.center_id
    if action is Action.ACCEPT:
        return lambda: booking_store.accept(conn, booking_id=booking_id, by="center", center_id=center_id)
    if action is Action.DECLINE:
        return lambda: booking_store.decline(conn, booking_id=booking_id, center_id=center_id)
    if action is Action.CHECK_IN:
        return lambda: booking_store.check_in(conn, booking_id=booking_id, center_id=center_id)
    if action is Action.START:
        return lambda: booking_store.start_work(conn, booking_id=booking_id, center_id=center_id)
    if action is Action.COMPLETE:
        outcome = form.get("outcome", "")
        if outcome not in {o.value for o in Outcome}:
            raise ApiError(422, "invalid_outcome", "choose an outcome")
        stock = {p["sku"] for p in advisor_desk.center_parts(conn, center_id=center_id)}
        used = parts_used(form, stock)
        if used is None:
            raise ApiError(422, "invalid_part", "parts must come from the center's stock")
        return lambda: booking_store.complete(
            conn, booking_id=booking_id, center_id=center_id, outcome=outcome, parts_used=used
        )
    try:
        slot = datetime.fromisoformat(form.get("slot", ""))
    except ValueError as exc:
        raise ApiError(422, "slot_taken", "choose one of the free slots") from exc
    if slot.tzinfo is None:
        raise ApiError(422, "slot_taken", "choose one of the free slots")
    return lambda: booking_store.reschedule(conn, booking_id=booking_id, center_id=center_id, slot_start=slot)


@router.post("/bookings/{booking_id}/{action}")
def act(
    request: Request, conn: Conn, session: AdvisorSession, form: Form, booking_id: int, action: str
) -> Response:
    """Take one step on one of the center's bookings (accept, decline, check in, start, complete, reschedule),
    record who did it, and show the worklist again."""
    scope = _scope(form.get("scope"))
    if not form_ok(session, form):
        return _back(scope, refused="invalid_form")
    try:
        step = Action(action)
    except ValueError:
        return _back(scope, refused="not_found")
    if not 0 < booking_id < 2**63:
        return _back(scope, refused="not_found")
    now = datetime.now(UTC)
    try:
        with conn.transaction():
            result = _action_of(conn, session, booking_id, step, form)()
            detail = {"status": result.get("status"), "stage": result.get("stage")}
            if step is Action.COMPLETE:
                detail["outcome"] = form.get("outcome")
            if step is Action.RESCHEDULE:
                detail["slot_start"] = form.get("slot")
            record_audit(
                conn,
                center_id=session.center_id,
                advisor_id=session.advisor_id,
                action=f"booking.{step.value}",
                subject=f"booking:{booking_id}",
                detail=detail,
                now=now,
            )
    except ApiError as exc:
        conn.rollback()
        return _back(scope, refused=exc.code)
    conn.commit()
    return _back(scope, done=step.value)


@router.get("/bookings/{booking_id}/reschedule")
def reschedule_form(request: Request, conn: Conn, session: AdvisorSession, booking_id: int) -> Response:
    """Show the booked technician's free slots ahead, each a button that moves the visit there."""
    now = datetime.now(UTC)
    scope = _scope(request.query_params.get("scope"))
    found = (
        advisor_desk.reschedule_context(conn, booking_id=booking_id, center_id=session.center_id, now=now)
        if 0 < booking_id < 2**63
        else None
    )
    if found is None:
        return _back(scope, refused="not_found")
    slots = free_slots(
        opening_hours=found.opening_hours,
        tz=found.tz,
        length=found.slot_end - found.slot_start,
        busy=found.busy,
        closed_days=found.closed_days,
        now=now,
    )
    return render(
        request,
        "advisor/reschedule.html",
        session=session,
        csrf_token=session.csrf_token,
        active="worklist",
        w=WORDS[locale_of(request)],
        scope=scope.value if scope else "",
        booking_id=booking_id,
        current=zoned(found.slot_start, found.tz),
        slots=[(slot.isoformat(), zoned(slot, found.tz)) for slot in slots],
    )


@router.post("/cases/{risk_id}/notes")
def add_note(request: Request, conn: Conn, session: AdvisorSession, form: Form, risk_id: int) -> Response:
    """Add the advisor's note to one of the center's cases."""
    scope = _scope(form.get("scope"))
    back = form.get("back", "")
    if not form_ok(session, form):
        return _back(scope, refused="invalid_form")
    if not 0 < risk_id < 2**63:
        return _back(scope, refused="not_found")
    body = form.get("body", "")
    if not 0 < len(body.strip()) <= case_notes.MAX_CHARS:
        return _back(scope, refused="invalid_note")
    now = datetime.now(UTC)
    note_id = case_notes.add_note(
        conn, risk_id=risk_id, center_id=session.center_id, advisor_id=session.advisor_id, body=body, now=now
    )
    if note_id is None:
        conn.rollback()
        return _back(scope, refused="not_found")
    record_audit(
        conn,
        center_id=session.center_id,
        advisor_id=session.advisor_id,
        action="case.note",
        subject=f"case:{risk_id}",
        detail={"note_id": note_id},
        now=now,
    )
    conn.commit()
    if back.isdigit():
        return RedirectResponse(f"/advisor/customers/{back}?done=note", status_code=303)
    return _back(scope, done="note")
