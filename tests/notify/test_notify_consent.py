"""Consent per channel, honoured by the outbox against the real database and a real SMTP server: no consent, no
message on that channel (the center still sees the risk and its booking options); consent withdrawn after the
dispatch cancels the pending delivery at send time, with the reason."""

from __future__ import annotations

import json
from datetime import timedelta

import psycopg
import structlog

from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.channels import EmailChannel, InAppChannel
from notify.job import run_pass
from notify.outbox import run_outbox
from notify.signing import RetryPolicy
from tests.conftest import free_port
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference

LOG = structlog.get_logger()


def _channels(conn: psycopg.Connection, port: int) -> dict:
    return {
        "in_app": InAppChannel(conn),
        "email": EmailChannel(host="127.0.0.1", port=port, sender="care@carecast.test"),
    }


def _car(conn: psycopg.Connection, *, consent: tuple[str, ...]) -> dict[str, int]:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123", consent=consent)
    conn.execute(
        "UPDATE customer SET channels = %s WHERE id = %s",
        (json.dumps({"email": "liu@example.com", "app": True}), car["customer"]),
    )
    return car


def _notify(conn: psycopg.Connection, at) -> None:
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=at, log=LOG)


def _outbox(conn: psycopg.Connection, at, channels):
    return run_outbox(conn, channels=channels, now=at, log=LOG, retry=RetryPolicy(base=timedelta(minutes=1)))


def _deliveries(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return conn.execute("SELECT channel, status FROM care_delivery ORDER BY channel").fetchall()


def test_notify_consent_only_granted_channels_get_a_delivery(conn, smtp) -> None:
    port, inbox = smtp
    _car(conn, consent=("in_app",))  # an address on file is not consent
    _notify(conn, NOW)
    report = _outbox(conn, NOW, _channels(conn, port))
    assert (report.dispatched, report.delivered, report.withheld) == (1, 1, 0)
    assert _deliveries(conn) == [("in_app", "delivered")]
    assert inbox.messages == []


def test_notify_consent_none_withholds_the_message_but_the_center_sees_the_case(conn, smtp) -> None:
    port, inbox = smtp
    _car(conn, consent=())
    conn.execute(
        "INSERT INTO customer_consent (customer_id, channel, granted) SELECT id, 'email', false FROM customer"
    )
    _notify(conn, NOW)
    report = _outbox(conn, NOW, _channels(conn, port))
    assert (report.dispatched, report.withheld) == (0, 1)
    assert conn.execute("SELECT status FROM care_message").fetchall() == [("cancelled",)]
    assert conn.execute("SELECT count(*) FROM care_dispatch").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM inbox_item").fetchone()[0] == 0
    assert inbox.messages == []
    # the risk, its case and the booking options stay the center's to act on
    assert (
        conn.execute("SELECT count(*) FROM booking_suggestion WHERE status = 'suggested'").fetchone()[0] > 0
    )
    assert conn.execute("SELECT stage FROM care_case").fetchone()[0] == "notified"


def test_notify_consent_withdrawn_after_dispatch_cancels_the_pending_delivery(conn, smtp) -> None:
    port, inbox = smtp
    car = _car(conn, consent=("in_app", "email"))
    _notify(conn, NOW)
    failing = {
        "in_app": InAppChannel(conn),
        "email": EmailChannel(host="127.0.0.1", port=free_port(), sender="x@y"),
    }
    first = _outbox(conn, NOW, failing)  # the mail relay is down: the e-mail waits for its retry
    assert (first.delivered, first.retrying) == (1, 1)
    conn.execute(
        "UPDATE customer_consent SET granted = false, recorded_at = now() "
        "WHERE customer_id = %s AND channel = 'email'",
        (car["customer"],),
    )
    later = _outbox(conn, NOW + timedelta(minutes=5), _channels(conn, port))
    assert (later.delivered, later.cancelled) == (0, 1)
    assert inbox.messages == []
    status, error = conn.execute(
        "SELECT status, last_error FROM care_delivery WHERE channel = 'email'"
    ).fetchone()
    assert status == "cancelled" and "no consent for email" in error
    # nothing is tried again, and the in-app item already delivered stays
    assert _outbox(conn, NOW + timedelta(hours=1), _channels(conn, port)).cancelled == 0
    assert _deliveries(conn) == [("email", "cancelled"), ("in_app", "delivered")]


def test_notify_consent_survey_goes_through_the_same_gate(conn, smtp) -> None:
    port, _inbox = smtp
    car = _car(conn, consent=())
    conn.execute(
        "INSERT INTO care_message (risk_id, vehicle_id, customer_id, purpose, locale, subject, body, send_after) "
        "SELECT r.id, r.vehicle_id, %s, 'survey', 'zh-CN', 's', 'b', %s FROM risk r",
        (car["customer"], NOW),
    )
    report = _outbox(conn, NOW, _channels(conn, port))
    assert report.withheld == 1
    assert (
        conn.execute("SELECT status FROM care_message WHERE purpose = 'survey'").fetchone()[0] == "cancelled"
    )
