""" "Another time" and reschedule from the owner page, on the real database with notify's real pass: the page
releases the offers (or the booking, outside the center's cutoff) and records the owner's preference; notify's next
pass offers times honouring it; another owner's link cannot do it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from api.routes.owner_page import form_token
from core import owner_links
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.job import run_pass
from tests.notify.test_notify_outbox import LOG
from tests.notify.test_notify_repository import seed_car, seed_reference

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _notify(conn, at: datetime | None = None):
    now = at or datetime.now(UTC)
    return run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=now, log=LOG)


def _setup(conn):
    ids = seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000777", preferred=ids["HRB1"])
    _notify(conn)
    token = owner_links.mint(
        conn,
        customer_id=car["customer"],
        vehicle_id=car["vehicle"],
        risk_id=car["risk"],
        created_by="support",
        now=datetime.now(UTC),
        ttl=timedelta(days=30),
    )
    return ids, car, token


def _field(token: str, conn) -> str:
    link = owner_links.resolve(conn, token=token, now=datetime.now(UTC))
    assert isinstance(link, owner_links.OwnerLink)
    return form_token(token, link)


def _offers(conn, risk: int) -> list[tuple[int, str, int, datetime]]:
    return conn.execute(
        "SELECT id, status, center_id, slot_start FROM booking_suggestion WHERE risk_id = %s ORDER BY id",
        (risk,),
    ).fetchall()


def test_another_time_releases_the_offers_and_notify_offers_afternoons_after_the_earliest_day(client, conn):
    ids, car, token = _setup(conn)
    before = [o for o in _offers(conn, car["risk"]) if o[1] == "suggested"]
    assert before, "the first notice carries offers"
    page = client.get(f"/o/{token}")
    assert 'id="another"' in page.text and "另选时间" in page.text
    en = client.get(f"/o/{token}?lang=en").text
    assert "Another time" in en and "Afternoons" in en and "Nearby service centers too" in en
    client.get(f"/o/{token}?lang=zh-CN")  # the language cookie back to Chinese
    earliest = (datetime.now(SHANGHAI) + timedelta(days=5)).date()
    asked = client.post(
        f"/o/{token}/another-time",
        data={"form_token": _field(token, conn), "earliest": earliest.isoformat(), "part": "afternoon"},
    )
    assert asked.status_code == 200 and "正在为您查找其他时间" in asked.text
    assert 'http-equiv="refresh"' in asked.text and 'class="book"' not in asked.text
    statuses = dict((o[0], o[1]) for o in _offers(conn, car["risk"]))
    assert all(statuses[o[0]] == "expired" for o in before)  # the previous offers are released

    report = _notify(conn)
    assert report.replanned == 1
    new = [o for o in _offers(conn, car["risk"]) if o[1] == "suggested"]
    assert len(new) == 3
    for _, _, center_id, start in new:
        local = start.astimezone(SHANGHAI)
        assert local.date() >= earliest and local.hour >= 12 and center_id == ids["HRB1"]
    shown = client.get(f"/o/{token}")
    assert shown.text.count('class="book"') == 3 and "正在为您查找" not in shown.text
    assert conn.execute("SELECT planned_at IS NOT NULL FROM owner_replan").fetchone()[0]


def test_a_nearby_center_when_asked_and_the_preferred_one_is_full(client, conn):
    ids, car, token = _setup(conn)
    conn.execute(
        "INSERT INTO technician_absence (technician_id, starts, ends) VALUES (%s, now() - interval '1 day', "
        "now() + interval '90 days')",
        (ids["李师傅"],),
    )
    client.post(f"/o/{token}/another-time", data={"form_token": _field(token, conn), "nearby": "1"})
    _notify(conn)
    new = [o for o in _offers(conn, car["risk"]) if o[1] == "suggested"]
    assert new and {o[2] for o in new} == {ids["HRB2"]}  # 18 km from HRB1; Beijing is not nearby


def test_bad_preferences_are_refused_with_a_message(client, conn):
    _, car, token = _setup(conn)
    field = _field(token, conn)
    for data in ({"earliest": "2020-01-01"}, {"earliest": "tomorrow"}, {"part": "night"}):
        refused = client.post(f"/o/{token}/another-time", data={"form_token": field, **data})
        assert refused.status_code == 200 and "请选择今天起两个月内的日期" in refused.text
    forged = client.post(f"/o/{token}/another-time", data={"form_token": "0" * 32})
    assert "refused=invalid_form" in str(forged.url)
    assert all(o[1] == "suggested" for o in _offers(conn, car["risk"]))


def _book(client, conn, token: str, car) -> int:
    option = next(o[0] for o in _offers(conn, car["risk"]) if o[1] == "suggested")
    booked = client.post(f"/o/{token}/book", data={"form_token": _field(token, conn), "option": option})
    assert "预约成功" in booked.text
    return option


def test_reschedule_is_refused_inside_the_cutoff(make_client, conn):
    client = make_client()
    client.app.state.carecast.settings.owner_links.change_cutoff_hours = 24 * 60
    _, car, token = _setup(conn)
    option = _book(client, conn, token, car)
    assert 'id="another"' not in client.get(f"/o/{token}").text
    late = client.post(
        f"/o/{token}/another-time", data={"form_token": _field(token, conn), "part": "morning"}
    )
    assert "不能在线更改" in late.text
    assert (
        conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (option,)).fetchone()[0]
        == "accepted"
    )
    assert conn.execute("SELECT count(*) FROM owner_replan").fetchone()[0] == 0


def test_reschedule_outside_the_cutoff_releases_the_booking_and_new_offers_come(make_client, conn):
    client = make_client()
    client.app.state.carecast.settings.owner_links.change_cutoff_hours = 0
    _, car, token = _setup(conn)
    option = _book(client, conn, token, car)
    assert "改约" in client.get(f"/o/{token}").text
    moved = client.post(
        f"/o/{token}/another-time", data={"form_token": _field(token, conn), "part": "morning"}
    )
    assert "正在为您查找其他时间" in moved.text
    assert (
        conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (option,)).fetchone()[0]
        == "declined"
    )
    assert (
        conn.execute("SELECT stage FROM care_case WHERE risk_id = %s", (car["risk"],)).fetchone()[0]
        == "notified"
    )
    _notify(conn)
    new = [o for o in _offers(conn, car["risk"]) if o[1] == "suggested"]
    assert new and all(o[3].astimezone(SHANGHAI).hour < 12 for o in new)
    assert client.get(f"/o/{token}").text.count('class="book"') == len(new)


def test_another_owners_link_cannot_ask_for_another_time(client, conn):
    _, car, token = _setup(conn)
    other = seed_car(conn, vin="LGWEF4A59NH000888")
    theirs = owner_links.mint(
        conn,
        customer_id=other["customer"],
        vehicle_id=other["vehicle"],
        risk_id=car["risk"],  # this car's risk in someone else's link: never reached
        created_by="support",
        now=datetime.now(UTC),
        ttl=timedelta(days=30),
    )
    refused = client.post(
        f"/o/{theirs}/another-time", data={"form_token": _field(theirs, conn), "part": "any"}
    )
    assert re.search(r"refused=not_found", str(refused.url))
    unknown = client.post("/o/ol_" + "A" * 43 + "/another-time", data={"form_token": "0" * 32})
    assert unknown.status_code == 401
    assert all(o[1] == "suggested" for o in _offers(conn, car["risk"]))
    assert conn.execute("SELECT count(*) FROM owner_replan").fetchone()[0] == 0
