"""Progress messages of a workshop visit against the real database: checked in, ready for pickup and done, once
each, in the owner's language, through the consented channels, outside quiet hours and past the frequency cap."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import structlog

from core import bookings, cases
from domain.vocabulary import CaseStage
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.channels import InAppChannel
from notify.job import run_pass
from notify.outbox import run_outbox
from notify.progress import run_progress
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference

LOG = structlog.get_logger()


def _book(conn: psycopg.Connection, car: dict[str, int]) -> int:
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    run_outbox(conn, channels={"in_app": InAppChannel(conn)}, now=NOW, log=LOG)  # the first notice goes out
    booking = conn.execute(
        "SELECT id FROM booking_suggestion WHERE risk_id = %s AND rank = 1", (car["risk"],)
    ).fetchone()[0]
    bookings.accept(conn, booking_id=booking, by="owner", now=NOW)
    cases.move(conn, risk_id=car["risk"], vehicle_id=car["vehicle"], stage=CaseStage.BOOKED, booking_id=booking,
               now=NOW)  # fmt: skip
    return booking


def _inbox(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT subject FROM inbox_item ORDER BY id").fetchall()]


def test_progress_messages_once_each_in_the_owners_language(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    _book(conn, car)
    channels = {"in_app": InAppChannel(conn)}
    at = NOW + timedelta(
        hours=2
    )  # 12:00 in Harbin; an hour after the first notice (the cap would hold a day)
    cases.move(conn, risk_id=car["risk"], vehicle_id=car["vehicle"], stage=CaseStage.CHECKED_IN, now=at)
    assert run_progress(conn, now=at, log=LOG).queued == 1
    assert run_progress(conn, now=at, log=LOG).queued == 0  # idempotent: one message per case and stage
    assert run_outbox(conn, channels=channels, now=at, log=LOG).delivered == 1
    assert "已在哈尔滨道里服务中心登记接车" in _inbox(conn)[-1]

    done = at + timedelta(hours=2)
    cases.move(conn, risk_id=car["risk"], vehicle_id=car["vehicle"], stage=CaseStage.SERVICED,
               outcome="fault_confirmed", now=done)  # fmt: skip
    assert run_progress(conn, now=done, log=LOG).queued == 1
    run_outbox(conn, channels=channels, now=done, log=LOG)
    assert "可到哈尔滨道里服务中心取车" in _inbox(conn)[-1]

    # A pass in between does not cancel progress messages, and runs again do not repeat them.
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=done, log=LOG)
    verified = done + timedelta(days=10)
    cases.close_verified(conn, risk_id=car["risk"], now=verified)
    assert run_progress(conn, now=verified, log=LOG).queued == 1
    assert run_progress(conn, now=verified + timedelta(minutes=1), log=LOG).queued == 0
    run_outbox(conn, channels=channels, now=verified, log=LOG)
    assert "维修效果已确认" in _inbox(conn)[-1]
    purposes = [
        r[0] for r in conn.execute("SELECT purpose FROM care_message WHERE status = 'sent' ORDER BY id")
    ]
    assert purposes == ["first_notice", "progress_checked_in", "progress_ready", "progress_done"]


def test_progress_message_waits_for_the_end_of_quiet_hours_in_english(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123", locale="en", consent=("in_app",))
    _book(conn, car)
    night = NOW.replace(hour=14)  # 22:00 in Harbin: quiet hours
    cases.move(conn, risk_id=car["risk"], vehicle_id=car["vehicle"], stage=CaseStage.CHECKED_IN, now=night)
    run_progress(conn, now=night, log=LOG)
    assert run_outbox(conn, channels={"in_app": InAppChannel(conn)}, now=night, log=LOG).dispatched == 0
    morning = NOW.replace(hour=0) + timedelta(days=1)  # 08:00 the next day in Harbin
    assert run_outbox(conn, channels={"in_app": InAppChannel(conn)}, now=morning, log=LOG).dispatched == 1
    assert _inbox(conn)[-1] == "Your Haval H6 is checked in at 哈尔滨道里服务中心"


def test_old_visits_are_not_announced(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    _book(conn, car)
    cases.move(conn, risk_id=car["risk"], vehicle_id=car["vehicle"], stage=CaseStage.CHECKED_IN, now=NOW)
    assert run_progress(conn, now=NOW + timedelta(days=3), log=LOG).queued == 0
