"""One notifier pass: every pending risk gets its first care message and booking suggestions, one transaction each."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import psycopg
import structlog

from core.contracts import RiskKind
from notify import repository
from notify.booking import BookingPolicy, BookingRequest, Candidates, propose, rank_centers
from notify.compose import Notice, Recipient, compose
from notify.workdays import WorkCalendar

FIRST_NOTICE = "first_notice"
IN_APP = "in_app"


@dataclass(frozen=True, slots=True)
class PassReport:
    """What one pass did."""

    pending: int
    notified: int
    suggestions: int
    without_options: int
    skipped: int
    failed: int
    elapsed_ms: int


def run_pass(
    conn: psycopg.Connection,
    *,
    calendar: WorkCalendar,
    policy: BookingPolicy,
    now: datetime,
    log: structlog.stdlib.BoundLogger,
    limit: int = 500,
) -> PassReport:
    """Notify every pending risk (up to `limit`) on an autocommit connection; return the counts."""
    if not conn.autocommit:
        raise ValueError("run_pass needs an autocommit connection: it commits one transaction per risk")
    started = time.monotonic()
    ids = repository.pending_risk_ids(conn, purpose=FIRST_NOTICE, limit=limit)
    candidates = repository.load_candidates(conn) if ids else Candidates((), ())
    notified = suggestions = without_options = skipped = failed = 0
    for risk_id in ids:
        try:
            with conn.transaction():
                offered = _notify_one(
                    conn, risk_id=risk_id, candidates=candidates, calendar=calendar, policy=policy, now=now
                )
        except Exception:
            # One bad risk must not stop the others; it stays pending and is retried next pass.
            failed += 1
            log.exception("notify.risk_failed", risk_id=risk_id)
            continue
        if offered is None:
            skipped += 1
            continue
        notified += 1
        suggestions += offered
        without_options += offered == 0
    report = PassReport(
        len(ids),
        notified,
        suggestions,
        without_options,
        skipped,
        failed,
        int((time.monotonic() - started) * 1000),
    )
    log.info(
        "notify.pass",
        now=now.isoformat(),
        pending=report.pending,
        notified=notified,
        suggestions=suggestions,
        without_options=without_options,
        skipped=skipped,
        failed=failed,
        elapsed_ms=report.elapsed_ms,
    )
    return report


def _notify_one(
    conn: psycopg.Connection,
    *,
    risk_id: int,
    candidates: Candidates,
    calendar: WorkCalendar,
    policy: BookingPolicy,
    now: datetime,
) -> int | None:
    """Write one risk's message and suggestions; return how many were offered, None when there was nothing to do."""
    risk = repository.lock_pending_risk(conn, risk_id=risk_id, purpose=FIRST_NOTICE, now=now)
    if risk is None:
        return None
    options = []
    if risk.home_lat is not None and risk.home_lon is not None:
        request = BookingRequest(
            kind=RiskKind(risk.kind),
            severity=risk.severity,
            predicted_date=risk.predicted_date,
            home_lat=risk.home_lat,
            home_lon=risk.home_lon,
            preferred_center_id=risk.preferred_center_id,
            segment=risk.segment,
        )
        repository.lock_bookings(conn)
        ranked = rank_centers(request, candidates=candidates, policy=policy)
        busy = repository.load_busy(
            conn, technician_ids=[t.id for rc in ranked for t in rc.technicians], since=now
        )
        options = propose(
            request, candidates=candidates, busy=busy, calendar=calendar, now=now, policy=policy
        )
    notice = Notice(
        kind=RiskKind(risk.kind),
        severity=risk.severity,
        diagnosis=risk.diagnosis,
        evidence=risk.evidence,
        predicted_date=risk.predicted_date,
        predicted_low=risk.predicted_low,
        predicted_high=risk.predicted_high,
        vehicle_model=risk.model,
        vin=risk.vin,
    )
    message = compose(
        notice,
        recipient=Recipient(risk.customer_name, risk.locale, risk.customer_tz),
        options=options,
        now=now,
    )
    saved = repository.save_notice(
        conn,
        risk=risk,
        message=message,
        purpose=FIRST_NOTICE,
        channel=IN_APP,
        send_after=now,
        options=options,
    )
    return None if saved is None else len(options)
