"""After the visit: send each serviced case its feedback survey through the outbox, and turn silent customers
into outreach tasks on their preferred center's feed. One canonical log line per run."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime

import psycopg
import structlog
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from core.db import query
from notify.compose import Recipient, compose_survey
from notify.outreach import CarActivity, OutreachParams, outreach_for
from notify.policy import CadencePolicy, send_after
from notify.sql import (
    INSERT_MESSAGE,
    INSERT_OUTREACH,
    INSERT_SURVEY,
    OUTREACH_CANDIDATES,
    VISITS_WITHOUT_SURVEY,
)
from notify.survey import questions_for


@dataclass(frozen=True, slots=True)
class AftercareReport:
    """What one run did."""

    surveys: int
    outreach: int
    elapsed_ms: int


def run_aftercare(
    conn: psycopg.Connection,
    *,
    now: datetime,
    log: structlog.stdlib.BoundLogger,
    cadence: CadencePolicy | None = None,
    outreach: OutreachParams | None = None,
    limit: int = 500,
) -> AftercareReport:
    """Queue surveys for new visits and create outreach tasks on an autocommit connection; return the counts."""
    started = time.monotonic()
    surveys = _surveys(conn, now=now, cadence=cadence or CadencePolicy(), limit=limit)
    tasks = _outreach(conn, now=now, params=outreach or OutreachParams())
    report = AftercareReport(surveys, tasks, int((time.monotonic() - started) * 1000))
    log.info(
        "notify.aftercare", now=now.isoformat(), surveys=surveys, outreach=tasks, elapsed_ms=report.elapsed_ms
    )
    return report


def _surveys(conn: psycopg.Connection, *, now: datetime, cadence: CadencePolicy, limit: int) -> int:
    sent = 0
    with conn.cursor(row_factory=dict_row) as cur:
        visits = cur.execute(query(VISITS_WITHOUT_SURVEY), {"limit": limit}).fetchall()
    for visit in visits:
        questions = [q.as_json() for q in questions_for(visit["risk_id"])]
        recipient = Recipient(visit["name"], visit["locale"], visit["tz"], visit["segment"])
        message = compose_survey(
            questions,
            recipient=recipient,
            model=visit["model"],
            vin=visit["vin"],
            center=visit["center_name"],
        )
        owner_cadence = cadence
        if visit["quiet_start"] is not None and visit["quiet_end"] is not None:
            owner_cadence = replace(cadence, quiet_start=visit["quiet_start"], quiet_end=visit["quiet_end"])
        at = send_after(
            "survey", now=now, tz=visit["tz"], last_sent_at=visit["last_sent_at"], policy=owner_cadence
        )
        with conn.transaction():
            survey = conn.execute(
                query(INSERT_SURVEY),
                {
                    "risk_id": visit["risk_id"],
                    "customer_id": visit["customer_id"],
                    "center_id": visit["center_id"],
                    "questions": Jsonb(questions),
                    "now": now,
                },
            ).fetchone()
            if survey is None:
                continue
            conn.execute(
                query(INSERT_MESSAGE),
                {
                    "risk_id": visit["risk_id"],
                    "vehicle_id": visit["vehicle_id"],
                    "customer_id": visit["customer_id"],
                    "purpose": "survey",
                    "locale": message.locale,
                    "channel": "in_app",
                    "subject": message.subject,
                    "body": message.body,
                    "send_after": at,
                    "severity": None,
                    "now": now,
                },
            )
        sent += 1
    return sent


def _outreach(conn: psycopg.Connection, *, now: datetime, params: OutreachParams) -> int:
    created = 0
    with conn.cursor(row_factory=dict_row) as cur:
        cars = cur.execute(query(OUTREACH_CANDIDATES), {"now": now}).fetchall()
    for car in cars:
        activity = CarActivity(car["last_visit"], car["active_days"], car["service_km"], car["soh_pct"])
        task = outreach_for(activity, now=now, params=params)
        if task is None:
            continue
        params_ = {
            "center_id": car["center_id"],
            "vehicle_id": car["vehicle_id"],
            "reason": task.reason,
            "detail": Jsonb({"text": task.text, **task.detail}),
            "now": now,
        }
        created += conn.execute(query(INSERT_OUTREACH), params_).rowcount
    return created
