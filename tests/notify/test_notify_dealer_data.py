"""The notifier against the real database with a dealer's master data: inactive centers, the center's own calendar,
shifts, absences, bays, DMS appointments and part reservations bound the offers; when that data changes, the open
offers it rules out are released and re-planned, accepted bookings it rules out are surfaced to their center; a car
that changes hands no longer sends the previous owner anything."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from core import bookings
from notify import repository
from notify.slots import Interval
from tests.notify.test_notify_repository import NOW, notify_pass, seed_car, seed_reference

SHANGHAI = ZoneInfo("Asia/Shanghai")
TECH = "李师傅"  # HRB1's electrician
OTHER = "王师傅"  # HRB2's


def offers(conn: psycopg.Connection, *, status: str = "suggested") -> list[tuple]:
    """(id, risk, rank, center, technician, start, end) of the offers with this status."""
    return conn.execute(
        "SELECT id, risk_id, rank, center_id, technician_id, slot_start, slot_end FROM booking_suggestion "
        "WHERE status = %s ORDER BY risk_id, rank",
        (status,),
    ).fetchall()


def local_day(ts: datetime) -> date:
    return ts.astimezone(SHANGHAI).date()


@pytest.fixture
def ids(conn: psycopg.Connection) -> dict[str, int]:
    return seed_reference(conn)


def test_dealer_data_inactive_center_gets_no_offers(conn, ids) -> None:
    conn.execute("UPDATE service_center SET active = false WHERE id = %s", (ids["HRB1"],))
    seed_car(conn, vin="LGWEF4A59NH000123")
    notify_pass(conn)
    found = offers(conn)
    assert found and ids["HRB1"] not in {o[3] for o in found}


def test_dealer_data_closed_days_of_the_center_get_no_offers(conn, ids) -> None:
    closed = [date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23)]
    for center in ("HRB1", "HRB2"):
        for kind, day in zip(("closed", "holiday", "closed"), closed, strict=True):
            conn.execute(
                "INSERT INTO center_calendar_day (center_id, day, kind) VALUES (%s, %s, %s)",
                (ids[center], day, kind),
            )
    seed_car(conn, vin="LGWEF4A59NH000123")
    notify_pass(conn)
    found = offers(conn)
    assert found and not {local_day(o[5]) for o in found} & set(closed)


def test_dealer_data_technician_works_only_their_shift(conn, ids) -> None:
    conn.execute(
        "INSERT INTO technician_shift (technician_id, weekday, starts, ends) VALUES (%s, 0, '14:00', '15:00')",
        (ids[TECH],),
    )
    seed_car(conn, vin="LGWEF4A59NH000123")
    notify_pass(conn)
    mine = [o for o in offers(conn) if o[4] == ids[TECH]]
    assert mine
    for o in mine:
        start = o[5].astimezone(SHANGHAI)
        assert (start.weekday(), start.hour, start.minute) == (0, 14, 0)


def test_dealer_data_absence_and_dms_appointment_block_the_technician(conn, ids) -> None:
    conn.execute(
        "INSERT INTO technician_absence (technician_id, starts, ends, reason) VALUES (%s, %s, %s, 'leave')",
        (ids[TECH], NOW, NOW + timedelta(days=10)),
    )
    conn.execute(
        "INSERT INTO dms_appointment (center_id, external_ref, technician_id, starts, ends) "
        "VALUES (%s, 'WO-1', %s, %s, %s)",
        (ids["HRB2"], ids[OTHER], NOW, NOW + timedelta(days=5)),
    )
    conn.execute(  # a cancelled appointment holds nothing
        "INSERT INTO dms_appointment (center_id, external_ref, technician_id, starts, ends, cancelled) "
        "VALUES (%s, 'WO-2', %s, %s, %s, true)",
        (ids["HRB2"], ids[OTHER], NOW + timedelta(days=5), NOW + timedelta(days=30)),
    )
    seed_car(conn, vin="LGWEF4A59NH000123")
    notify_pass(conn)
    found = offers(conn)
    assert found
    for o in found:
        free_from = NOW + timedelta(days=10 if o[4] == ids[TECH] else 5)
        assert o[5] >= free_from
    assert any(o[4] == ids[OTHER] and o[5] < NOW + timedelta(days=10) for o in found)


def test_dealer_data_bays_cap_concurrent_jobs(conn, ids) -> None:
    # HRB1 has one bay, taken by a DMS job without a technician for a week: no HRB1 slot in that week
    conn.execute("UPDATE service_center SET bays = 1 WHERE id = %s", (ids["HRB1"],))
    conn.execute(
        "INSERT INTO dms_appointment (center_id, external_ref, starts, ends) VALUES (%s, 'WO-9', %s, %s)",
        (ids["HRB1"], NOW, NOW + timedelta(days=7)),
    )
    seed_car(conn, vin="LGWEF4A59NH000123")
    notify_pass(conn)
    hrb1 = [o for o in offers(conn) if o[3] == ids["HRB1"]]
    assert hrb1 and all(o[5] >= NOW + timedelta(days=7) for o in hrb1)


def test_dealer_data_dms_reservations_reduce_free_stock(conn, ids) -> None:
    for center in ("HRB1", "HRB2", "PEK1"):  # 4 on hand, 1 reserved in Carecast, 3 in the DMS: none free
        conn.execute(
            "INSERT INTO dms_part_reservation (center_id, external_ref, part_id, quantity) VALUES (%s, 'R1', %s, 3)",
            (ids[center], ids["BAT-12V-AGM70"]),
        )
    seed_car(conn, vin="LGWEF4A59NH000123")
    notify_pass(conn)
    parts, reason = conn.execute("SELECT parts, reason FROM booking_suggestion WHERE rank = 1").fetchone()
    assert parts[0]["in_stock"] is False and "parts_on_order" in reason
    assert parts[0]["available_on"] == "2026-11-23"  # restock_days 3
    conn.execute("UPDATE dms_part_reservation SET released = true")
    conn.execute(
        "UPDATE booking_suggestion SET status = 'expired'"
    )  # re-planned: released stock counts again
    notify_pass(conn)
    assert (
        "parts_in_stock"
        in conn.execute(
            "SELECT reason FROM booking_suggestion WHERE rank = 1 AND status = 'suggested'"
        ).fetchone()[0]
    )


def _two_risks_offered(conn) -> tuple[dict, dict]:
    a = seed_car(conn, vin="LGWEF4A59NH000123")
    b = seed_car(conn, vin="LGWEF4A59NH000456")
    report = notify_pass(conn)
    assert report.suggestions == 6
    return a, b


def _replanned(conn, before: list[tuple], gone: set[int]) -> None:
    """Exactly the offers `gone` were released; every other offer is untouched; each freed rank is filled again."""
    after = offers(conn)
    kept = [o for o in before if o[0] not in gone]
    assert [o for o in after if o[0] in {k[0] for k in kept}] == kept
    released = conn.execute(
        "SELECT id FROM booking_suggestion WHERE status = 'expired' AND id = ANY(%s)", (list(gone),)
    ).fetchall()
    assert {r[0] for r in released} == gone
    freed = {(o[1], o[2]) for o in before if o[0] in gone}
    refilled = {(o[1], o[2]) for o in after if o[0] not in {b[0] for b in before}}
    assert refilled == freed


def test_dealer_data_absence_over_an_offer_releases_only_it_and_replans(conn, ids) -> None:
    _two_risks_offered(conn)
    before = offers(conn)
    target = next(o for o in before if o[4] == ids[TECH])
    conn.execute(
        "INSERT INTO technician_absence (technician_id, starts, ends) VALUES (%s, %s, %s)",
        (ids[TECH], target[5], target[6]),
    )
    report = notify_pass(conn)
    assert report.released == 1 and report.conflicts == 0
    _replanned(conn, before, {target[0]})
    new = [o for o in offers(conn) if o[0] not in {b[0] for b in before}]
    assert all(not (o[4] == ids[TECH] and o[5] < target[6] and target[5] < o[6]) for o in new)
    assert notify_pass(conn).released == 0  # nothing more to release


def test_dealer_data_dms_appointment_and_closed_day_release_their_offers(conn, ids) -> None:
    _two_risks_offered(conn)
    before = offers(conn)
    booked = next(o for o in before if o[4] == ids[OTHER])
    conn.execute(
        "INSERT INTO dms_appointment (center_id, external_ref, technician_id, starts, ends) VALUES (%s, 'W', %s, %s, %s)",
        (ids["HRB2"], ids[OTHER], booked[5], booked[6]),
    )
    closed = next(o for o in before if o[3] == ids["HRB1"])
    conn.execute(
        "INSERT INTO center_calendar_day (center_id, day, kind) VALUES (%s, %s, 'closed')",
        (ids["HRB1"], local_day(closed[5])),
    )
    gone = {
        o[0]
        for o in before
        if o[0] == booked[0] or (o[3] == ids["HRB1"] and local_day(o[5]) == local_day(closed[5]))
    }
    notify_pass(conn)
    _replanned(conn, before, gone)


def test_dealer_data_inactive_center_releases_its_offers(conn, ids) -> None:
    _two_risks_offered(conn)
    before = offers(conn)
    conn.execute("UPDATE service_center SET active = false WHERE id = %s", (ids["HRB2"],))
    notify_pass(conn)
    gone = {o[0] for o in before if o[3] == ids["HRB2"]}
    assert gone
    _replanned(conn, before, gone)
    assert ids["HRB2"] not in {o[3] for o in offers(conn)}


def test_dealer_data_accepted_booking_in_conflict_is_surfaced_never_moved(conn, ids) -> None:
    car, _ = _two_risks_offered(conn)
    booking = next(o for o in offers(conn) if o[1] == car["risk"])
    bookings.accept(conn, booking_id=booking[0], by="owner", now=NOW)
    bookings.release_others(conn, risk_id=car["risk"], booking_id=booking[0], now=NOW)
    conn.execute(
        "INSERT INTO technician_absence (technician_id, starts, ends) VALUES (%s, %s, %s)",
        (booking[4], booking[5] - timedelta(hours=1), booking[6]),
    )
    report = notify_pass(conn)
    assert report.conflicts == 1
    status, start = conn.execute(
        "SELECT status, slot_start FROM booking_suggestion WHERE id = %s", (booking[0],)
    ).fetchone()
    assert (status, start) == ("accepted", booking[5])
    item = conn.execute(
        "SELECT center_id, kind, vehicle_id, risk_id, booking_id, reason, status FROM center_feed_item"
    ).fetchall()
    assert item == [
        (booking[3], "booking_conflict", car["vehicle"], car["risk"], booking[0], "technician_absent", "open")
    ]
    assert notify_pass(conn).conflicts == 0  # once per booking
    assert conn.execute("SELECT count(*) FROM center_feed_item").fetchone()[0] == 1


def test_dealer_data_dms_copy_of_a_carecast_booking_is_no_conflict(conn, ids) -> None:
    car, _ = _two_risks_offered(conn)
    booking = next(o for o in offers(conn) if o[1] == car["risk"])
    bookings.accept(conn, booking_id=booking[0], by="owner", now=NOW)
    conn.execute(
        "INSERT INTO dms_appointment (center_id, external_ref, technician_id, starts, ends) VALUES (%s, %s, %s, %s, %s)",
        (booking[3], f"carecast-{booking[0]}", booking[4], booking[5], booking[6]),
    )
    assert notify_pass(conn).conflicts == 0
    busy = repository.load_busy(conn, center_ids=[booking[3]], since=NOW)
    assert busy.centers[booking[3]].count(Interval(booking[5], booking[6])) == 1  # one job, one bay


def test_dealer_data_transfer_calls_off_messages_to_the_previous_owner(conn, ids) -> None:
    seller = seed_car(conn, vin="LGWEF4A59NH000123")
    kept = seed_car(conn, vin="LGWEF4A59NH000456")
    notify_pass(conn)
    assert conn.execute("SELECT count(*) FROM care_message WHERE status = 'queued'").fetchone()[0] == 2
    # the seller already has a dispatch on its way about the car, and a digest also covering a car they keep
    dispatch, digest = (
        conn.execute(
            "INSERT INTO care_dispatch (customer_id, locale, subject, body, created_at) "
            "VALUES (%s, 'zh-CN', 's', 'b', %s) RETURNING id",
            (seller["customer"], NOW),
        ).fetchone()[0]
        for _ in range(2)
    )
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", (seller["customer"], kept["vehicle"]))
    conn.execute(
        "UPDATE care_message SET customer_id = %s WHERE vehicle_id = %s",
        (seller["customer"], kept["vehicle"]),
    )
    conn.execute(
        "INSERT INTO care_message (risk_id, vehicle_id, customer_id, purpose, locale, subject, body, status, "
        "send_after, dispatch_id) SELECT risk_id, vehicle_id, customer_id, 'reminder', locale, subject, body, 'sent', "
        "send_after, %s FROM care_message WHERE vehicle_id = %s",
        (dispatch, seller["vehicle"]),
    )
    for vehicle in (seller["vehicle"], kept["vehicle"]):
        conn.execute(
            "INSERT INTO care_message (risk_id, vehicle_id, customer_id, purpose, locale, subject, body, status, "
            "send_after, dispatch_id) SELECT risk_id, vehicle_id, customer_id, 'escalation', locale, subject, body, "
            "'sent', send_after, %s FROM care_message WHERE vehicle_id = %s AND purpose = 'first_notice'",
            (digest, vehicle),
        )
    for d in (dispatch, digest):
        conn.execute(
            "INSERT INTO care_delivery (dispatch_id, channel, target, next_attempt_at) VALUES (%s, 'in_app', 'feed', %s)",
            (d, NOW),
        )
    buyer = conn.execute(
        "INSERT INTO customer (name, locale, tz, segment) VALUES ('王先生', 'zh-CN', 'Asia/Shanghai', 'ev') RETURNING id"
    ).fetchone()[0]
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", (buyer, seller["vehicle"]))

    seller_offers = {o[0] for o in offers(conn) if o[1] == seller["risk"]}
    report = notify_pass(conn)
    assert report.transferred == 2
    rows = conn.execute(
        "SELECT vehicle_id, status FROM care_message WHERE purpose = 'first_notice' ORDER BY vehicle_id"
    ).fetchall()
    assert rows == [(seller["vehicle"], "cancelled"), (kept["vehicle"], "queued")]
    deliveries = dict(conn.execute("SELECT dispatch_id, status FROM care_delivery").fetchall())
    assert deliveries == {dispatch: "cancelled", digest: "pending"}
    # the telemetry history stays with the car
    assert (
        conn.execute(
            "SELECT count(*) FROM telemetry_daily WHERE vehicle_id = %s", (seller["vehicle"],)
        ).fetchone()[0]
        == 20
    )

    # the seller's open offers for the car are released; the risk is re-planned for the buyer in the same pass
    released = conn.execute(
        "SELECT count(*) FROM booking_suggestion WHERE id = ANY(%s) AND status = 'expired'",
        (list(seller_offers),),
    ).fetchone()[0]
    assert seller_offers and released == len(seller_offers)
    fresh = conn.execute(
        "SELECT DISTINCT customer_id FROM booking_suggestion WHERE risk_id = %s AND status = 'suggested'",
        (seller["risk"],),
    ).fetchall()
    assert fresh == [(buyer,)]


def test_dealer_data_transfer_surfaces_the_previous_owners_accepted_booking(conn, ids) -> None:
    car, _ = _two_risks_offered(conn)
    booking = next(o for o in offers(conn) if o[1] == car["risk"])
    bookings.accept(conn, booking_id=booking[0], by="owner", now=NOW)
    bookings.release_others(conn, risk_id=car["risk"], booking_id=booking[0], now=NOW)
    buyer = conn.execute(
        "INSERT INTO customer (name, locale, tz, segment) VALUES ('王先生', 'zh-CN', 'Asia/Shanghai', 'ev') RETURNING id"
    ).fetchone()[0]
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", (buyer, car["vehicle"]))
    assert notify_pass(conn).conflicts == 1
    reason, status = conn.execute(
        "SELECT f.reason, b.status FROM center_feed_item f JOIN booking_suggestion b ON b.id = f.booking_id"
    ).fetchone()
    assert (reason, status) == ("owner_changed", "accepted")
