"""One notifier pass: expire stale offers and release those the dealer's data now rules out (accepted bookings it
rules out are surfaced to their center, never moved), call off messages about cars that changed hands, take every
case one step along its conversation (first notice, reminder, escalation, "all good now"), and re-plan risks whose
offers expired or were released; one transaction per risk."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import psycopg
import structlog

from core import bookings, cases
from domain import lifecycle
from domain.evidence import parse_evidence
from domain.vocabulary import RiskKind, RiskStatus
from domain.workdays import WorkCalendar
from notify import repository
from notify.booking import BookingOption, BookingPolicy, BookingRequest, Candidates, propose, rank_centers
from notify.compose import Notice, Recipient, compose
from notify.policy import CadencePolicy, CaseView, decide, send_after
from notify.verification import VerifyParams, verdict

IN_APP = "in_app"


@dataclass(frozen=True, slots=True)
class PassReport:
    """What one pass did: risks examined, messages written, offers made, expired and re-planned."""

    pending: int
    notified: int
    suggestions: int
    without_options: int
    skipped: int
    failed: int
    elapsed_ms: int
    expired: int = 0
    replanned: int = 0
    closed: int = 0
    verified: int = 0
    released: int = 0  # risks whose open offers the dealer's data (or a change of owner) now ruled out
    conflicts: int = 0  # accepted bookings newly surfaced to their center (booking_conflict feed items)
    transferred: int = 0  # messages and deliveries called off: their car changed hands


@dataclass(frozen=True, slots=True)
class _Step:
    purpose: str | None
    offered: int
    closed: bool = False


def run_pass(
    conn: psycopg.Connection,
    *,
    calendar: WorkCalendar,
    policy: BookingPolicy,
    now: datetime,
    log: structlog.stdlib.BoundLogger,
    limit: int = 500,
    cadence: CadencePolicy | None = None,
    offer_ttl: timedelta = timedelta(days=3),
    verify: VerifyParams | None = None,
) -> PassReport:
    """Run one pass on an autocommit connection and return the counts."""
    if not conn.autocommit:
        raise ValueError("run_pass needs an autocommit connection: it commits one transaction per risk")
    started = time.monotonic()
    cadence = cadence or CadencePolicy()
    expired = bookings.expire(conn, now=now)
    with conn.transaction():
        refill = bookings.release_conflicts(conn, now=now)
        conflicts = repository.surface_conflicts(conn, now=now)
        transferred = repository.cancel_transferred(conn)
    verified, refired = _verify_serviced(conn, now=now, params=verify or VerifyParams(), limit=limit)
    ids = repository.attention_risk_ids(conn, limit=limit)
    candidates = repository.load_candidates(conn, today=now.date()) if ids else Candidates((), ())
    ctx = _Context(candidates, calendar, policy, cadence, now, now + offer_ttl)
    notified = suggestions = without_options = skipped = failed = closed = replanned = 0
    for risk_id in ids:
        try:
            with conn.transaction():
                step = _step(conn, risk_id=risk_id, ctx=ctx)
        except Exception:
            # One bad risk must not stop the others; it stays where it was and is retried next pass.
            failed += 1
            log.exception("notify.risk_failed", risk_id=risk_id)
            continue
        if step is None:
            skipped += 1
            continue
        closed += step.closed
        if step.purpose is not None:
            notified += 1
            suggestions += step.offered
            without_options += step.offered == 0 and step.purpose != "all_clear"
    # After the steps, which already gave fresh offers with every new notice.
    replan_ids = repository.replan_risk_ids(conn, limit=limit, refill=refill)
    if replan_ids and not ids:
        ctx = replace(ctx, candidates=repository.load_candidates(conn, today=now.date()))
    for risk_id in replan_ids:
        try:
            with conn.transaction():
                row = repository.lock_case(conn, risk_id=risk_id, now=now)
                kept = set() if row is None else repository.live_ranks(conn, risk_id=risk_id)
                offered = 0 if row is None else len(_offer(conn, row=row, ctx=ctx, kept_ranks=kept))
        except Exception:
            failed += 1
            log.exception("notify.replan_failed", risk_id=risk_id)
            continue
        replanned += offered > 0
        suggestions += offered
    report = PassReport(
        len(ids),
        notified,
        suggestions,
        without_options,
        skipped,
        failed,
        int((time.monotonic() - started) * 1000),
        expired,
        replanned,
        closed,
        verified,
        len(refill),
        conflicts,
        transferred,
    )
    log.info(
        "notify.pass",
        now=now.isoformat(),
        pending=report.pending,
        notified=notified,
        suggestions=suggestions,
        without_options=without_options,
        expired=expired,
        replanned=replanned,
        closed=closed,
        verified=verified,
        refired=refired,
        released_risks=len(refill),
        conflicts=conflicts,
        transferred=transferred,
        skipped=skipped,
        failed=failed,
        elapsed_ms=report.elapsed_ms,
    )
    return report


@dataclass(frozen=True, slots=True)
class _Context:
    candidates: Candidates
    calendar: WorkCalendar
    policy: BookingPolicy
    cadence: CadencePolicy
    now: datetime
    offers_expire_at: datetime


def _step(conn: psycopg.Connection, *, risk_id: int, ctx: _Context) -> _Step | None:
    """Take one case one step; None when another notifier holds the risk."""
    row = repository.lock_case(conn, risk_id=risk_id, now=ctx.now)
    if row is None:
        return None
    if row.kind == RiskKind.OWNER_REQUEST:
        return _owner_request_step(conn, row=row, ctx=ctx)
    view = CaseView(
        risk_status=row.risk_status,
        severity=row.severity,
        stage=row.stage,
        muted=row.muted,
        notified_severity=row.notified_severity,
        sent=repository.case_messages(conn, risk_id=row.risk_id),
    )
    decision = decide(view, now=ctx.now, policy=ctx.cadence)
    if decision.cancel_queued:
        repository.cancel_queued(conn, risk_id=row.risk_id)
    options: list[BookingOption] = []
    if decision.purpose is not None and row.risk_status == RiskStatus.OPEN:
        # Every notice carries fresh offers: the old ones are released first so their slots count as free.
        bookings.release_offers(conn, risk_id=row.risk_id, now=ctx.now)
        options = _offer(conn, row=row, ctx=ctx)
    if decision.purpose is not None:
        _write_message(conn, row=row, purpose=decision.purpose, options=options, ctx=ctx)
    if row.risk_status != RiskStatus.OPEN:
        ending = lifecycle.when_risk_ends(row.stage)
        if ending is None:
            return _Step(None, 0)  # a booked case ends through the workshop, not here
        cases.close(conn, risk_id=row.risk_id, vehicle_id=row.vehicle_id, reason=ending[1], now=ctx.now)
        return _Step(decision.purpose, 0, closed=True)
    if decision.purpose is not None and lifecycle.after_notice(row.stage) is not None:
        cases.record_notice(
            conn, risk_id=row.risk_id, vehicle_id=row.vehicle_id, severity=row.severity, now=ctx.now
        )
    return _Step(decision.purpose, len(options))


def _owner_request_step(conn: psycopg.Connection, *, row: repository.CaseRow, ctx: _Context) -> _Step:
    """The owner asked for a visit: offer slots once (no care message, no reminders: the owner polls
    …/booking-options); expired or released offers are re-planned like any other case's."""
    if row.risk_status != RiskStatus.OPEN or row.stage != "detected":
        return _Step(None, 0)
    options = _offer(conn, row=row, ctx=ctx)
    cases.record_notice(
        conn, risk_id=row.risk_id, vehicle_id=row.vehicle_id, severity=row.severity, now=ctx.now
    )
    return _Step("owner_request", len(options))


def _write_message(
    conn: psycopg.Connection,
    *,
    row: repository.CaseRow,
    purpose: str,
    options: list[BookingOption],
    ctx: _Context,
) -> None:
    notice = Notice(
        kind=RiskKind(row.kind),
        severity=row.severity,
        diagnosis=row.diagnosis,
        evidence=parse_evidence(row.kind, row.evidence),
        predicted_date=row.predicted_date,
        predicted_low=row.predicted_low,
        predicted_high=row.predicted_high,
        vehicle_model=row.model,
        vin=row.vin,
    )
    recipient = Recipient(row.customer_name, row.locale, row.customer_tz, row.segment)
    message = compose(notice, recipient=recipient, options=options, now=ctx.now, purpose=purpose)
    cadence = ctx.cadence
    if row.quiet_start is not None and row.quiet_end is not None:
        cadence = replace(cadence, quiet_start=row.quiet_start, quiet_end=row.quiet_end)
    at = send_after(purpose, now=ctx.now, tz=row.customer_tz, last_sent_at=row.last_sent_at, policy=cadence)
    repository.save_message(
        conn, row=row, message=message, purpose=purpose, channel=IN_APP, send_after=at, now=ctx.now
    )


def _offer(
    conn: psycopg.Connection, *, row: repository.CaseRow, ctx: _Context, kept_ranks: set[int] | None = None
) -> list[BookingOption]:
    """Propose and save up to three booking options for an open risk; return them. Offers still on the table keep
    their ranks (`kept_ranks`): the best new options take the free ones."""
    if row.risk_status != "open" or row.home_lat is None or row.home_lon is None:
        return []
    request = BookingRequest(
        kind=RiskKind(row.kind),
        severity=row.severity,
        predicted_date=row.predicted_date,
        home_lat=row.home_lat,
        home_lon=row.home_lon,
        preferred_center_id=row.preferred_center_id,
        segment=row.segment,
        preference=repository.owner_preference(conn, risk_id=row.risk_id),
    )
    repository.lock_bookings(conn)
    ranked = rank_centers(request, candidates=ctx.candidates, policy=ctx.policy)
    busy = repository.load_busy(conn, center_ids=[rc.center.id for rc in ranked], since=ctx.now)
    options = propose(
        request,
        candidates=ctx.candidates,
        busy=busy.technicians,
        center_busy=busy.centers,
        calendar=ctx.calendar,
        now=ctx.now,
        policy=ctx.policy,
    )
    if kept_ranks:
        free = [r for r in range(1, ctx.policy.max_options + 1) if r not in kept_ranks]
        options = [replace(o, rank=r) for o, r in zip(options, free, strict=False)]
    repository.save_suggestions(conn, row=row, options=options, expires_at=ctx.offers_expire_at)
    if request.preference is not None:
        bookings.replan_planned(conn, risk_id=row.risk_id, now=ctx.now)
    return options


def _verify_serviced(
    conn: psycopg.Connection, *, now: datetime, params: VerifyParams, limit: int
) -> tuple[int, int]:
    """Close serviced cases whose fix telemetry verified; return (verified, re-fired)."""
    verified = refired = 0
    with conn.transaction():
        for case in repository.serviced_cases(conn, now=now, grace_days=params.grace_days, limit=limit):
            outcome = verdict(
                serviced_at=case["serviced_at"],
                risk_status=case["risk_status"],
                last_seen_at=case["last_seen_at"],
                days_with_data=case["days_with_data"],
                params=params,
            )
            if outcome == "verified":
                cases.close_verified(conn, risk_id=case["risk_id"], now=now)
            verified += outcome == "verified"
            refired += outcome == "refired"
    return verified, refired
