"""The advisor's customer lookup (server-rendered, zh-CN/en): find one of the center's customers by plate, VIN, name
or phone, then their page: health of each car with charts (12 V, pads, SOH), open risks, messages and how they were
delivered, visits (Carecast's and the dealer system's) and survey answers. Another center's customer is not found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from api.advisor_pages import AdvisorSession, locale_of, render
from api.deps import Conn
from api.state import app_state
from api.store import advisor_desk, repository
from api.views import owner_charts
from api.views.advisor_desk_text import WORDS, status_word
from api.views.advisor_words import kind_label, reading_lines, severity_label, stage_label, why_label, zoned
from api.views.health_summary import PAD_REPLACE_AT, summarize
from api.views.owner_text import threshold_of

router = APIRouter(prefix="/advisor", include_in_schema=False)

HISTORY_DAYS = 180
_MIN_QUERY, _MAX_QUERY = 2, 64


@router.get("/customers")
def search(request: Request, conn: Conn, session: AdvisorSession) -> Response:
    """Show the search form and the center's customers matching ?q= (plate, VIN, name or phone)."""
    q = request.query_params.get("q", "").strip()[:_MAX_QUERY]
    found = (
        advisor_desk.search_customers(conn, center_id=session.center_id, q=q)
        if len(q) >= _MIN_QUERY
        else None
    )
    return render(
        request,
        "advisor/customers.html",
        session=session,
        active="customers",
        w=WORDS[locale_of(request)],
        q=q,
        found=found,
        too_short=bool(q) and len(q) < _MIN_QUERY,
    )


def _charts(
    conn: Conn, *, vehicle: dict[str, Any], risks: list[dict[str, Any]], soh_threshold: float, locale: str
) -> list[Markup]:
    rows = repository.vehicle_daily(
        conn, vehicle_id=vehicle["id"], since=datetime.now(UTC) - timedelta(days=HISTORY_DAYS)
    )
    by_kind = {r["kind"]: r for r in risks if r["vin"] == vehicle["vin"]}
    defaults: dict[str, float | None] = {
        "battery_12v": None,
        "brake_pads": PAD_REPLACE_AT,
        "ev_battery_soh": soh_threshold,
    }
    out = []
    for kind, series in owner_charts.SERIES.items():
        if kind == "ev_battery_soh" and vehicle["powertrain"] not in ("EV", "HYBRID"):
            continue
        risk = by_kind.get(kind)
        threshold = threshold_of(kind, risk["evidence"]) if risk else None
        svg = owner_charts.chart(
            series,
            owner_charts.points_of(series, rows),
            threshold=threshold if threshold is not None else defaults[kind],
            locale=locale,
        )
        out.append(Markup(svg))  # noqa: S704 -- chart() escapes every text it writes
    return out


@router.get("/customers/{customer_id}")
def customer_page(request: Request, conn: Conn, session: AdvisorSession, customer_id: int) -> Response:
    """Show one of the center's customers: cars with health and charts, open risks, messages, visits, surveys."""
    locale = locale_of(request)
    found = (
        advisor_desk.customer_file(conn, center_id=session.center_id, customer_id=customer_id)
        if 0 < customer_id < 2**63
        else None
    )
    if found is None:
        return RedirectResponse("/advisor/customers", status_code=303)
    tz = found.customer["tz"]
    soh_threshold = app_state(request.app).settings.soh.threshold_pct
    now = datetime.now(UTC)
    cars = []
    for vehicle in found.vehicles:
        rows = repository.vehicle_daily(
            conn, vehicle_id=vehicle["id"], since=now - timedelta(days=HISTORY_DAYS)
        )
        risks = [r for r in found.risks if r["vin"] == vehicle["vin"]]
        health = summarize(
            powertrain=vehicle["powertrain"],
            rows=rows,
            risks=risks,
            upcoming=[],
            soh_threshold=soh_threshold,
            now=now,
        )
        charts = _charts(conn, vehicle=vehicle, risks=found.risks, soh_threshold=soh_threshold, locale=locale)
        cars.append({**vehicle, "health": health, "charts": charts})
    risks = [
        {
            **r,
            "kind_text": kind_label(r["kind"], locale),
            "why": why_label(r.get("diagnosis"), locale),
            "severity_text": severity_label(r.get("severity"), locale),
            "stage_text": stage_label(r["stage"], locale, work_started=r.get("work_started_at") is not None),
            "readings": reading_lines(r["kind"], r.get("evidence") or {}, locale=locale),
        }
        for r in found.risks
    ]
    messages = [
        {
            **m,
            "when": zoned(m["sent_at"] or m["created_at"], tz),
            "kind_text": kind_label(m["kind"], locale),
            "status_text": status_word(m["status"], locale),
            "channel_text": status_word(m["channel"], locale),
            "delivery_text": "; ".join(
                " ".join(
                    x
                    for x in (
                        status_word(d["channel"], locale),
                        status_word(d["receipt"] or d["status"], locale),
                    )
                    if x
                )
                for d in m["deliveries"]
            ),
        }
        for m in found.messages
    ]
    visits = [
        {**v, "when": zoned(v["at"], tz), "kind_text": kind_label(v["kind"], locale) if v["kind"] else ""}
        for v in found.visits
    ]
    surveys = [
        {
            **s,
            "when": zoned(s["answered_at"], tz),
            "kind_text": kind_label(s["kind"], locale),
            "lines": [
                (q.get(locale) or q.get("en") or "", s["answers"][q["id"]])
                for q in s["questions"] or []
                if isinstance(q, dict) and q.get("id") in (s["answers"] or {})
            ],
        }
        for s in found.surveys
    ]
    return render(
        request,
        "advisor/customer.html",
        session=session,
        csrf_token=session.csrf_token,
        active="customers",
        w=WORDS[locale],
        customer=found.customer,
        cars=cars,
        risks=risks,
        messages=messages,
        visits=visits,
        surveys=surveys,
        flash=WORDS[locale]["done_note"] if request.query_params.get("done") == "note" else None,
    )
