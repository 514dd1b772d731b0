"""Retention on plain PostgreSQL against the real database: raw telemetry past its age goes in slices, the daily
rollups stay, the outbox past its age goes with its deliveries, attempts and in-app items, except what a
still-open risk's conversation or a pending delivery needs; one log line per run. (TimescaleDB:
tests/timescale/test_tsdb_retention.py.)"""

from __future__ import annotations

from datetime import timedelta

import structlog
from structlog.testing import CapturingLogger

from core.retention import apply_retention
from core.settings import RetentionSettings
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.channels import InAppChannel
from notify.job import run_pass
from notify.outbox import run_outbox
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference

LOG = structlog.get_logger()
SETTINGS = RetentionSettings(telemetry_days=400, messages_days=365)


def _told(conn, *, vin: str, at) -> dict[str, int]:
    """A car whose owner was told about a risk at `at` (message, dispatch, delivery, attempt, in-app item); the
    earlier cars' owners said "don't remind me", so this pass tells only the new one."""
    conn.execute("UPDATE care_case SET muted = true")
    car = seed_car(conn, vin=vin)
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=at, log=LOG)
    run_outbox(conn, channels={"in_app": InAppChannel(conn)}, now=at, log=LOG)
    return car


def _count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_retention_deletes_old_telemetry_in_slices_and_keeps_the_rollup(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    old = [NOW - timedelta(days=401, hours=h) for h in range(7)]
    recent = [NOW - timedelta(days=399), NOW - timedelta(days=1)]
    for ts in old + recent:
        conn.execute(
            "INSERT INTO telemetry (vehicle_id, ts, lv_voltage_v) VALUES (%s, %s, 12.5)", (car["vehicle"], ts)
        )
    conn.execute(
        "INSERT INTO telemetry_daily (vehicle_id, day, samples) VALUES (%s, %s, 7)",
        (car["vehicle"], (NOW - timedelta(days=402)).date()),
    )
    rollup = _count(conn, "telemetry_daily")
    recorder = CapturingLogger()  # the log line, whatever another test configured globally
    log = structlog.wrap_logger(recorder, processors=[], wrapper_class=structlog.BoundLogger)
    report = apply_retention(conn, settings=SETTINGS, now=NOW, log=log, slice_rows=3)
    assert (report.mode, report.telemetry_rows, report.telemetry_chunks) == ("postgres", 7, 0)
    kept = [r[0] for r in conn.execute("SELECT ts FROM telemetry ORDER BY ts")]
    assert kept == recent
    assert _count(conn, "telemetry_daily") == rollup  # the anonymous statistics stay
    lines = [c.kwargs for c in recorder.calls if c.kwargs["event"] == "retention.run"]
    assert len(lines) == 1 and lines[0]["telemetry_rows"] == 7 and lines[0]["mode"] == "postgres"
    # a second run finds nothing
    assert apply_retention(conn, settings=SETTINGS, now=NOW, log=LOG).telemetry_rows == 0


def test_retention_deletes_the_old_outbox_but_not_an_open_conversation(conn) -> None:
    seed_reference(conn)
    long_ago = NOW - timedelta(days=400)
    closed = _told(conn, vin="LGWEF4A59NH000123", at=long_ago)
    still_open = _told(conn, vin="LGWEF4A59NH000124", at=long_ago)
    recent = _told(conn, vin="LGWEF4A59NH000125", at=NOW - timedelta(days=2))
    conn.execute("UPDATE risk SET status = 'resolved' WHERE id = %s", (closed["risk"],))
    # a message withheld long ago (never dispatched) of the closed risk
    conn.execute(
        "INSERT INTO care_message (risk_id, vehicle_id, customer_id, purpose, locale, subject, body, status, "
        "send_after, created_at) VALUES (%s, %s, %s, 'reminder_1', 'zh-CN', 's', 'b', 'cancelled', %s, %s)",
        (closed["risk"], closed["vehicle"], closed["customer"], long_ago, long_ago),
    )
    assert (_count(conn, "care_dispatch"), _count(conn, "inbox_item")) == (3, 3)

    report = apply_retention(conn, settings=SETTINGS, now=NOW, log=LOG, slice_rows=1)
    assert (report.dispatches, report.deliveries, report.attempts, report.inbox_items) == (1, 1, 1, 1)
    assert report.messages == 2  # the dispatched one and the withheld one
    left = conn.execute("SELECT DISTINCT customer_id FROM care_dispatch ORDER BY 1").fetchall()
    assert left == [(still_open["customer"],), (recent["customer"],)]
    assert (
        conn.execute("SELECT count(*) FROM care_message WHERE risk_id = %s", (closed["risk"],)).fetchone()[0]
        == 0
    )
    assert _count(conn, "delivery_attempt") == 2

    # messages_days = 0 keeps the outbox forever
    conn.execute("UPDATE risk SET status = 'resolved'")
    forever = RetentionSettings(telemetry_days=400, messages_days=0)
    assert apply_retention(conn, settings=forever, now=NOW, log=LOG).dispatches == 0
    assert _count(conn, "care_dispatch") == 2


def test_retention_deletes_old_idempotency_records(conn) -> None:
    for key, age in (("old", 31), ("new", 29)):
        conn.execute(
            "INSERT INTO idempotency_record (scope, key, request_sig, status_code, response, created_at) "
            "VALUES ('owner:1', %s, 'sig', 200, '{}', %s)",
            (key, NOW - timedelta(days=age)),
        )
    report = apply_retention(conn, settings=SETTINGS, now=NOW, log=LOG)
    assert report.idempotency_records == 1
    assert conn.execute("SELECT key FROM idempotency_record").fetchall() == [("new",)]


def test_retention_keeps_a_pending_delivery(conn) -> None:
    seed_reference(conn)
    long_ago = NOW - timedelta(days=400)
    car = _told(conn, vin="LGWEF4A59NH000123", at=long_ago)
    conn.execute("UPDATE risk SET status = 'resolved' WHERE id = %s", (car["risk"],))
    conn.execute("UPDATE care_delivery SET status = 'pending'")
    assert apply_retention(conn, settings=SETTINGS, now=NOW, log=LOG).dispatches == 0
    assert _count(conn, "care_delivery") == 1


def test_retention_deletes_old_center_events_with_their_deliveries_but_not_a_pending_one(conn) -> None:
    seed_reference(conn)
    center = conn.execute("SELECT min(id) FROM service_center").fetchone()[0]
    conn.execute(
        "INSERT INTO center_webhook (center_id, url, secret) VALUES (%s, 'https://dms.example.com/hook', %s)",
        (center, "s" * 32),
    )
    for name, age, status in (("old", 91, "delivered"), ("stuck", 91, "pending"), ("new", 89, "delivered")):
        event = conn.execute(
            "INSERT INTO center_event (center_id, type, data, created_at) "
            "VALUES (%s, 'outreach.outcome', %s, %s) RETURNING id",
            (center, f'{{"name": "{name}"}}', NOW - timedelta(days=age)),
        ).fetchone()[0]
        conn.execute("UPDATE webhook_delivery SET status = %s WHERE center_event_id = %s", (status, event))
    report = apply_retention(conn, settings=SETTINGS, now=NOW, log=LOG)
    assert report.events == 1
    kept = conn.execute(
        "SELECT data->>'name' FROM center_event ORDER BY created_at, data->>'name'"
    ).fetchall()
    assert kept == [("stuck",), ("new",)]
    assert _count(conn, "webhook_delivery") == 2  # the deleted event's delivery went with it
