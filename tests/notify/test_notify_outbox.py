"""The conversation and the outbox against the real database, a real local webhook receiver and a real SMTP
server: reminders, stop when booked, all-clear, merged dispatches, signed webhooks with retries, e-mail, and a
failing channel that blocks nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header

import psycopg
import pytest
import structlog

from core.egress import EgressSettings
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.channels import DeliveryError, EmailChannel, Envelope, InAppChannel, WebhookChannel
from notify.job import run_pass
from notify.outbox import run_outbox
from notify.push import HttpPoster
from notify.signing import RetryPolicy, verify
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference
from tests.webhook_receiver import Receiver, serving

LOG = structlog.get_logger()
SECRET = b"test-webhook-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving(Receiver(fail_first=2)) as server:
        yield server


class BrokenChannel:
    name = "email"

    def send(self, envelope: Envelope) -> str:
        raise DeliveryError("mail relay down")


def notify(conn: psycopg.Connection, at):
    return run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=at, log=LOG)


def outbox(conn: psycopg.Connection, at, channels):
    return run_outbox(conn, channels=channels, now=at, log=LOG, retry=RetryPolicy(base=timedelta(minutes=1)))


def purposes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return conn.execute("SELECT purpose, status FROM care_message ORDER BY id").fetchall()


def test_notify_outbox_webhook_retries_signed_and_email_delivered(conn, receiver, smtp) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    conn.execute(
        "UPDATE customer SET channels = %s WHERE id = %s",
        (json.dumps({"email": "liu@example.com", "webhook_url": url}), car["customer"]),
    )
    port, inbox = smtp
    channels = {
        "in_app": InAppChannel(conn),
        "webhook": WebhookChannel(SECRET, poster=HttpPoster(egress=EgressSettings(allow_loopback=True))),
        "email": EmailChannel(host="127.0.0.1", port=port, sender="care@carecast.test"),
    }
    notify(conn, NOW)
    first = outbox(conn, NOW, channels)
    assert (first.dispatched, first.delivered, first.retrying) == (1, 2, 1)  # in-app + e-mail; webhook 503
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "liu@example.com"
    assert "蓄电池" in str(make_header(decode_header(inbox.messages[0]["Subject"])))
    # not due yet: nothing is tried again before the backoff has passed
    assert outbox(conn, NOW + timedelta(seconds=30), channels).delivered == 0
    assert outbox(conn, NOW + timedelta(minutes=1), channels).retrying == 1  # second 503, backoff doubles
    assert outbox(conn, NOW + timedelta(minutes=2), channels).delivered == 0
    assert outbox(conn, NOW + timedelta(minutes=3), channels).delivered == 1
    headers, payload = receiver.received[0]
    assert verify(
        SECRET, timestamp=int(headers["X-Carecast-Timestamp"]), body=payload["raw"],
        header=headers["X-Carecast-Signature"],
    )  # fmt: skip
    assert headers["X-Carecast-Delivery"] == payload["delivery_id"]
    attempts = conn.execute(
        "SELECT d.channel, array_agg(a.ok ORDER BY a.id) FROM delivery_attempt a "
        "JOIN care_delivery d ON d.id = a.delivery_id GROUP BY d.channel ORDER BY d.channel"
    ).fetchall()
    assert attempts == [("email", [True]), ("in_app", [True]), ("webhook", [False, False, True])]
    assert conn.execute("SELECT count(*) FROM inbox_item").fetchone()[0] == 1


def test_notify_outbox_failing_channel_blocks_nothing_and_loses_nothing(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    conn.execute(
        'UPDATE customer SET channels = \'{"email": "x@example.com"}\' WHERE id = %s', (car["customer"],)
    )
    channels = {"in_app": InAppChannel(conn), "email": BrokenChannel()}
    notify(conn, NOW)
    report = run_outbox(conn, channels=channels, now=NOW, log=LOG, retry=RetryPolicy(max_attempts=2))
    assert (report.delivered, report.retrying) == (1, 1)
    assert conn.execute("SELECT count(*) FROM inbox_item").fetchone()[0] == 1
    later = run_outbox(
        conn, channels=channels, now=NOW + timedelta(hours=1), log=LOG, retry=RetryPolicy(max_attempts=2)
    )
    assert later.dead == 1
    status, attempts, error = conn.execute(
        "SELECT status, attempts, last_error FROM care_delivery WHERE channel = 'email'"
    ).fetchone()
    assert (status, attempts, error) == (
        "dead",
        2,
        "mail relay down",
    )  # kept, visible, never silently dropped


def test_notify_conversation_reminders_merge_and_stop_when_booked(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    second = seed_car(conn, vin="LGWEF4A59NH000456", kind="brake_pads")
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", (car["customer"], second["vehicle"]))
    channels = {"in_app": InAppChannel(conn)}
    notify(conn, NOW)
    assert outbox(conn, NOW, channels).dispatched == 1  # two notices, one owner: one merged message
    subject, body = conn.execute("SELECT subject, body FROM inbox_item").fetchone()
    assert "2" in subject and "蓄电池" in body and "刹车片" in body

    day7 = NOW + timedelta(days=7)
    assert notify(conn, day7).notified == 2
    assert [p for p, _ in purposes(conn)] == ["first_notice", "first_notice", "reminder_1", "reminder_1"]
    # the owner books the brake job before the reminders go out: its reminder is cancelled, the other one is sent
    conn.execute("UPDATE care_case SET stage = 'booked' WHERE risk_id = %s", (second["risk"],))
    notify(conn, day7)
    assert outbox(conn, day7, channels).dispatched == 1
    statuses = dict(
        conn.execute("SELECT risk_id, status FROM care_message WHERE purpose = 'reminder_1'").fetchall()
    )
    assert statuses == {car["risk"]: "sent", second["risk"]: "cancelled"}
    assert notify(conn, NOW + timedelta(days=14)).notified == 1  # reminder_2 for the unbooked one only


def test_notify_escalation_and_all_clear(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    notify(conn, NOW)
    conn.execute("UPDATE risk SET severity = 'critical' WHERE id = %s", (car["risk"],))
    notify(conn, NOW + timedelta(days=1))
    conn.execute("UPDATE risk SET status = 'resolved', resolved_at = %s WHERE id = %s", (NOW, car["risk"]))
    report = notify(conn, NOW + timedelta(days=2))
    assert report.closed == 1
    assert [p for p, _ in purposes(conn)] == ["first_notice", "escalation_critical", "all_clear"]
    assert (
        conn.execute("SELECT subject FROM care_message WHERE purpose = 'all_clear'")
        .fetchone()[0]
        .startswith("一切正常")
    )
    stage, reason = conn.execute("SELECT stage, close_reason FROM care_case").fetchone()
    assert (stage, reason) == ("closed", "resolved_by_itself")
    assert (
        conn.execute("SELECT count(*) FROM booking_suggestion WHERE status = 'suggested'").fetchone()[0] == 0
    )
    assert notify(conn, NOW + timedelta(days=3)).notified == 0


def test_notify_offers_taken_by_an_accepted_booking_are_replanned(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    notify(conn, NOW)
    sid, tech, start, end = conn.execute(
        "SELECT id, technician_id, slot_start, slot_end FROM booking_suggestion WHERE rank = 1"
    ).fetchone()
    other = seed_car(conn, vin="LGWEF4A59NH000789")
    # another customer's booking takes that technician's time (capacity changed)
    conn.execute(
        "INSERT INTO booking_suggestion (risk_id, vehicle_id, center_id, technician_id, rank, slot_start, slot_end,"
        " distance_km, parts, reason, status) SELECT %s, %s, center_id, technician_id, 1, slot_start, slot_end,"
        " 1, '[]', 'walk-in', 'accepted' FROM booking_suggestion WHERE id = %s",
        (other["risk"], other["vehicle"], sid),
    )
    notify(conn, NOW + timedelta(minutes=5))
    assert (
        conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (sid,)).fetchone()[0] == "expired"
    )
    # the offers left run out after the offer TTL (3 days): the risk gets fresh ones, clear of the taken time
    report = notify(conn, NOW + timedelta(days=4))
    assert report.replanned == 1 and report.notified == 0
    live = conn.execute(
        "SELECT technician_id, slot_start, slot_end FROM booking_suggestion WHERE risk_id = %s AND status = 'suggested'",
        (car["risk"],),
    ).fetchall()
    assert len(live) == 3 and all(not (t == tech and s < end and start < e) for t, s, e in live)


def test_owner_webhooks_go_through_the_egress_policy(conn, receiver) -> None:
    """The owner's webhook URL comes from customer data: with the default policy a private target gets nothing."""
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    conn.execute(
        "UPDATE customer SET channels = %s WHERE id = %s", (json.dumps({"webhook_url": url}), car["customer"])
    )
    strict = WebhookChannel(SECRET, poster=HttpPoster(egress=EgressSettings()))
    notify(conn, NOW)
    report = outbox(conn, NOW, {"in_app": InAppChannel(conn), "webhook": strict})
    assert (report.delivered, report.retrying) == (1, 1)  # in-app delivered, the webhook refused
    assert receiver.received == []
    error = conn.execute("SELECT last_error FROM care_delivery WHERE channel = 'webhook'").fetchone()[0]
    assert error.startswith("refused:")
