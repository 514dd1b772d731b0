"""A message is rendered when it is delivered, not when it is queued (docs/messages.md): against the real
database, a message whose slots were taken before it went out offers fresh ones, and one with no option left says
the center will propose times."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import structlog

from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.channels import InAppChannel
from notify.formatting import Formatter
from notify.job import run_pass
from notify.outbox import run_outbox
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference

LOG = structlog.get_logger()


def _pass(conn: psycopg.Connection, at) -> None:
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=at, log=LOG)


def _slots(conn: psycopg.Connection, risk_id: int) -> list[tuple]:
    return conn.execute(
        "SELECT technician_id, slot_start, slot_end FROM booking_suggestion "
        "WHERE risk_id = %s AND status = 'suggested' ORDER BY rank",
        (risk_id,),
    ).fetchall()


def _text(start, end) -> str:
    return Formatter("zh-CN", "Asia/Shanghai").slot(start, end)


def _inbox(conn: psycopg.Connection, customer_id: int) -> str:
    (body,) = conn.execute("SELECT body FROM inbox_item WHERE customer_id = %s", (customer_id,)).fetchall()
    return body[0]


def _take(conn: psycopg.Connection, slots: list[tuple], *, vins: list[str]) -> None:
    """Other owners book exactly these technicians' times (accepted bookings)."""
    for (tech, start, end), vin in zip(slots, vins, strict=True):
        other = seed_car(conn, vin=vin)
        conn.execute(
            "INSERT INTO booking_suggestion (risk_id, vehicle_id, center_id, technician_id, rank, slot_start, "
            "slot_end, distance_km, parts, reason, status, accepted_at, accepted_by) "
            "VALUES (%s, %s, (SELECT center_id FROM technician WHERE id = %s), %s, 1, %s, %s, 1, '[]', 'test', "
            "'accepted', %s, 'owner')",
            (other["risk"], other["vehicle"], tech, tech, start, end, NOW),
        )


def test_message_delivered_after_its_slots_were_taken_offers_fresh_ones(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    _pass(conn, NOW)  # the first notice is queued with three slots; the outbox has not run yet
    queued = conn.execute("SELECT body FROM care_message WHERE risk_id = %s", (car["risk"],)).fetchone()[0]
    old = _slots(conn, car["risk"])
    assert len(old) == 3 and all(_text(s, e) in queued for _, s, e in old)

    _take(conn, old, vins=["LGWEF4A59NH000201", "LGWEF4A59NH000202", "LGWEF4A59NH000203"])
    later = NOW + timedelta(minutes=30)
    _pass(conn, later)  # expires the taken offers and re-plans the risk
    fresh = _slots(conn, car["risk"])
    assert fresh and {s for _, s, _ in fresh}.isdisjoint({s for _, s, _ in old})

    run_outbox(conn, channels={"in_app": InAppChannel(conn)}, now=later, log=LOG)
    delivered = _inbox(conn, car["customer"])
    assert all(_text(s, e) not in delivered for _, s, e in old)
    assert all(_text(s, e) in delivered for _, s, e in fresh)
    # what the owner got is what the message row keeps
    assert conn.execute("SELECT body FROM care_message WHERE risk_id = %s", (car["risk"],)).fetchone()[0] == (
        delivered
    )


def test_message_with_no_slot_left_says_the_center_will_propose_times(conn) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    _pass(conn, NOW)
    old = _slots(conn, car["risk"])
    _take(conn, old, vins=["LGWEF4A59NH000201", "LGWEF4A59NH000202", "LGWEF4A59NH000203"])
    # the outbox runs before any pass re-planned: nothing can be offered, so no slot is
    run_outbox(conn, channels={"in_app": InAppChannel(conn)}, now=NOW + timedelta(minutes=5), log=LOG)
    delivered = _inbox(conn, car["customer"])
    assert all(_text(s, e) not in delivered for _, s, e in old)
    assert "您的服务门店会尽快与您联系" in delivered
