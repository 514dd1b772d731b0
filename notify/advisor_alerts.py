"""Negative feedback reaches the assigned advisor at once: an e-mail per new alert (migration 0037's
feedback_alert), through notify's e-mail channel, retried with backoff like the outbox. Runs in the push job
(every few seconds), on its own autocommit connection, one transaction per alert. An alert without an advisor or
without an address is given up at once (the advisor page and the webhook event still show it)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import psycopg
import structlog
from psycopg.rows import dict_row, tuple_row

from core.db import query
from notify.advisor_mail import compose_alert_mail
from notify.channels import Channel, DeliveryError, Envelope
from notify.signing import RetryPolicy
from notify.sql import ALERT_MAIL_DUE, ALERT_MAIL_LOCK, ALERT_MAIL_RECORD


@dataclass(frozen=True, slots=True)
class AlertMailReport:
    """What one run did."""

    sent: int
    retrying: int
    given_up: int


def mail_alerts(
    conn: psycopg.Connection,
    *,
    email: Channel | None,
    page_url: str,
    now: datetime,
    retry: RetryPolicy,
    log: structlog.stdlib.BoundLogger,
    limit: int = 100,
) -> AlertMailReport:
    """E-mail each due alert to its advisor once (`email` None: no SMTP configured, nothing is tried); return
    the counts."""
    if email is None:
        return AlertMailReport(0, 0, 0)
    started = time.monotonic()
    with conn.cursor(row_factory=tuple_row) as cur:
        due = cur.execute(query(ALERT_MAIL_DUE), {"now": now, "limit": limit}).fetchall()
    sent = retrying = given_up = 0
    for (alert_id,) in due:
        with conn.transaction():
            with conn.cursor(row_factory=dict_row) as cur:
                row = cur.execute(query(ALERT_MAIL_LOCK), {"id": alert_id}).fetchone()
            if row is None:
                continue
            ok, detail, next_at = _send(email, row=row, page_url=page_url, now=now, retry=retry)
            params = {"id": alert_id, "ok": ok, "now": now, "next_at": next_at, "detail": detail[:500]}
            conn.execute(query(ALERT_MAIL_RECORD), params)
        sent += ok
        retrying += not ok and next_at is not None
        given_up += not ok and next_at is None
    (log.info if due else log.debug)(
        "notify.alert_mail",
        now=now.isoformat(),
        due=len(due),
        sent=sent,
        retrying=retrying,
        given_up=given_up,
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )
    return AlertMailReport(sent, retrying, given_up)


def _send(
    email: Channel, *, row: dict, page_url: str, now: datetime, retry: RetryPolicy
) -> tuple[bool, str, datetime | None]:
    """Return (sent, detail, next try or None when given up)."""
    if not row["email"]:
        return False, "no advisor address", None
    mail = compose_alert_mail(
        advisor=row["advisor"],
        customer=row["customer"],
        phone=row["phone"],
        model=row["model"],
        plate=row["plate"],
        vin=row["vin"],
        questions=row["questions"],
        answers=row["answers"] or {},
        page_url=page_url,
    )
    envelope = Envelope(
        delivery_key=f"feedback-alert-{row['id']}",
        dispatch_id=0,
        customer_id=0,
        target=row["email"],
        locale="zh-CN",
        subject=mail.subject,
        body=mail.body,
        created_at=now,
    )
    try:
        return True, email.send(envelope), None
    except DeliveryError as exc:
        return False, str(exc), retry.next_attempt(attempts=row["attempts_done"] + 1, now=now)
