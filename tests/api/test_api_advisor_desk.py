"""The advisor's worklist, actions and customer lookup over HTTP: cards in words, mine/team, every action with its
audit row, refusals across centers, notes, rescheduling, and the lookup by plate, VIN, name and phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import structlog

from api.auth import sessions
from api.state import app_state
from notify.progress import run_progress
from tests.advisor_login import csrf_of, make_advisor
from tests.api.browser import future_slots  # noqa: F401 (fixture)

RAW = re.compile(r"Vehicle\.|battery_12v|brake_pads|high_internal_resistance|checked_in|fault_confirmed")


def _visible(html: str) -> str:
    """The page's text as a reader sees it (tags, attribute values and the style sheet left out)."""
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def desk(client, conn, world, future_slots):  # noqa: F811 (fixture)
    """A's advisor logged in, A's customer assigned to them with a phone, a car plate, and parts on A's shelf."""
    advisor_id = make_advisor(conn, center_id=world.center_a, email="desk.a@example.com", name="Zhao Min")
    conn.execute(
        'UPDATE customer SET advisor_id = %s, channels = \'{"phone": "+86 138 0000 0001"}\' WHERE id = %s',
        (advisor_id, world.customer_a),
    )
    conn.execute("UPDATE vehicle SET plate = '黑A12345' WHERE id = %s", (world.vehicle_a,))
    part = conn.execute(
        "INSERT INTO part (sku, name, price) VALUES ('BAT-12V-AGM70', '12V AGM battery 70Ah', 899) RETURNING id"
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO part_stock (center_id, part_id, on_hand, reserved) VALUES (%s, %s, 5, 0)",
        (world.center_a, part),
    )
    # The session is opened directly: logging in is advisor_auth's test; this file tests what comes after.
    cookie = sessions.open_session(
        conn, secret=app_state(client.app).secret, advisor_id=advisor_id, ttl_s=3600
    )
    conn.commit()
    client.cookies.set(sessions.COOKIE, cookie)
    return advisor_id


def _post(client, path: str, **data: str):
    token = csrf_of(client.get("/advisor").text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def _location(resp) -> str:
    assert resp.status_code == 303, resp.text
    return resp.headers["location"]


def test_the_worklist_shows_one_card_per_case_in_words_mine_and_team(client, world, desk, conn):
    html = client.get("/advisor?scope=mine&lang=en").text
    cards = re.findall(r'<article class="card[^"]*" data-case="(\d+)"', html)
    assert sorted(map(int, cards)) == sorted({world.risk_a, *_risks(conn, world)})
    assert html.count('class="offer"') == len(world.suggestions_a)
    text = _visible(html)
    assert "12 V battery weak" in text and "12 V battery voltage 9.31 V (limit 9.6 V)" in text
    assert "CST (Asia/Shanghai)" in text and "蓄电池需要检查 — 启动电压偏低。" in text
    assert 'href="tel:+8613800000001"' in html and "黑A12345" in text
    assert not RAW.search(text), RAW.search(text)
    assert world.vin_b not in html
    zh = _visible(client.get("/advisor?scope=mine&lang=zh-CN").text)
    assert "12V蓄电池电量不足" in zh and "（限值 9.6 V）" in zh
    conn.execute("UPDATE customer SET advisor_id = NULL WHERE id = %s", (world.customer_a,))
    conn.commit()
    assert 'id="offers-empty"' in client.get("/advisor?scope=mine").text
    assert f'data-case="{world.risk_a}"' in client.get("/advisor?scope=team").text


def _risks(conn, world) -> list[int]:
    rows = conn.execute("SELECT id FROM risk WHERE vehicle_id = %s", (world.vehicle_a,)).fetchall()
    return [r[0] for r in rows if r[0] != world.risk_a]


def _audit(conn) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT action, subject FROM advisor_audit WHERE action LIKE 'booking.%' ORDER BY id"
    ).fetchall()


def test_a_visit_goes_accept_check_in_start_complete_with_parts_each_step_audited(client, world, desk, conn):
    target = world.suggestions_a[0]
    for step in ("accept", "check_in", "start"):
        assert _location(_post(client, f"/advisor/bookings/{target}/{step}", scope="team")) == (
            f"/advisor?scope=team&done={step}"
        )
    html = client.get("/advisor?scope=team&lang=en").text
    assert "Work started." not in html and "work in progress" in html
    done = _post(
        client,
        f"/advisor/bookings/{target}/complete",
        outcome="fault_confirmed",
        part_1="BAT-12V-AGM70",
        qty_1="2",
    )
    assert _location(done).endswith("done=complete")
    stage, parts = conn.execute(
        "SELECT stage, parts_used FROM care_case WHERE risk_id = %s", (world.risk_a,)
    ).fetchone()
    assert stage == "serviced" and parts == [{"sku": "BAT-12V-AGM70", "qty": 2}]
    on_hand = conn.execute(
        "SELECT on_hand FROM part_stock WHERE center_id = %s", (world.center_a,)
    ).fetchone()[0]
    assert on_hand == 3
    subject = f"booking:{target}"
    assert _audit(conn) == [
        ("booking.accept", subject),
        ("booking.check_in", subject),
        ("booking.start", subject),
        ("booking.complete", subject),
    ]
    assert f'data-case="{world.risk_a}"' not in client.get("/advisor?scope=team").text


def test_actions_refuse_another_centers_booking_bad_forms_and_parts_not_on_the_shelf(
    client, world, desk, conn
):
    other = world.suggestions_b[0]
    for step in ("accept", "decline", "check_in", "start", "complete", "reschedule"):
        form = {"outcome": "fault_confirmed", "slot": "2026-12-09T02:00:00+00:00"}
        assert _location(_post(client, f"/advisor/bookings/{other}/{step}", **form)).endswith(
            "refused=not_found"
        )
    assert (
        conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (other,)).fetchone()[0]
        == "suggested"
    )
    forged = client.post(f"/advisor/bookings/{world.suggestions_a[0]}/accept", data={"csrf_token": "x"})
    assert "refused=invalid_form" in str(forged.url)
    assert _location(_post(client, f"/advisor/bookings/{world.suggestions_a[0]}/explode")).endswith(
        "refused=not_found"
    )
    target, declined = world.suggestions_a[0], world.suggestions_a[3]
    assert _location(_post(client, f"/advisor/bookings/{declined}/decline")).endswith("done=decline")
    assert conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (declined,)).fetchone()[0] == (
        "declined"
    )
    early = _post(client, f"/advisor/bookings/{target}/check_in")
    assert _location(early).endswith("refused=not_booked")  # an offer is not a booking yet
    _post(client, f"/advisor/bookings/{target}/accept")
    _post(client, f"/advisor/bookings/{target}/check_in")
    bad = _post(client, f"/advisor/bookings/{target}/complete", outcome="fault_confirmed", part_1="NOT-OURS")
    assert _location(bad).endswith("refused=invalid_part")
    too_many = _post(
        client,
        f"/advisor/bookings/{target}/complete",
        outcome="fault_confirmed",
        part_1="BAT-12V-AGM70",
        qty_1="99",
    )
    assert _location(too_many).endswith("refused=invalid_part")
    no_outcome = _post(client, f"/advisor/bookings/{target}/complete", outcome="fixed")
    assert _location(no_outcome).endswith("refused=invalid_outcome")
    page = client.get("/advisor?refused=invalid_part&lang=en").text
    assert "choose parts from the center&#39;s stock" in page and "invalid_part" not in _visible(page)
    assert conn.execute("SELECT stage FROM care_case WHERE risk_id = %s", (world.risk_a,)).fetchone()[0] == (
        "checked_in"
    )
    assert _audit(conn) == [
        ("booking.decline", f"booking:{declined}"),
        ("booking.accept", f"booking:{target}"),
        ("booking.check_in", f"booking:{target}"),
    ]


def test_a_booked_visit_moves_to_a_free_slot_of_its_technician(client, world, desk, conn):
    target, blocker = world.suggestions_a[0], world.suggestions_a[3]
    _post(client, f"/advisor/bookings/{target}/accept")
    _post(client, f"/advisor/bookings/{blocker}/accept")  # the other case, same technician
    page = client.get(f"/advisor/bookings/{target}/reschedule?lang=en").text
    slots = re.findall(r'name="slot" value="([^"]+)"', page)
    assert slots and "CST (Asia/Shanghai)" in page
    moved = _post(client, f"/advisor/bookings/{target}/reschedule", slot=slots[0])
    assert _location(moved).endswith("done=reschedule")
    start = conn.execute("SELECT slot_start FROM booking_suggestion WHERE id = %s", (target,)).fetchone()[0]
    assert start.isoformat() == slots[0]
    event = conn.execute(
        "SELECT data->>'slot_start' FROM center_event WHERE type = 'offer.rescheduled' AND (data->>'booking_id')::bigint = %s",
        (target,),
    ).fetchone()
    assert event is not None  # the dealer system hears of the move (webhook event offer.rescheduled)
    # ... and the owner: notify's progress pass queues one message per move, in the owner's language
    assert run_progress(conn, now=datetime.now(UTC), log=structlog.get_logger()).queued == 1
    assert run_progress(conn, now=datetime.now(UTC), log=structlog.get_logger()).queued == 0
    subject = conn.execute(
        "SELECT subject FROM care_message WHERE purpose LIKE 'progress_rescheduled:%%'"
    ).fetchone()[0]
    assert "预约已改到" in subject, subject
    taken = conn.execute("SELECT slot_start FROM booking_suggestion WHERE id = %s", (blocker,)).fetchone()[0]
    clash = _post(client, f"/advisor/bookings/{target}/reschedule", slot=taken.isoformat())
    assert _location(clash).endswith("refused=slot_taken")
    other = client.get(f"/advisor/bookings/{world.suggestions_b[0]}/reschedule", follow_redirects=False)
    assert other.headers["location"].endswith("refused=not_found")
    _post(client, f"/advisor/bookings/{target}/check_in")
    late = _post(client, f"/advisor/bookings/{target}/reschedule", slot=slots[1])
    assert _location(late).endswith("refused=already_checked_in")
    assert ("booking.reschedule", f"booking:{target}") in _audit(conn)


def test_notes_stay_on_the_case_of_the_own_center(client, world, desk, conn):
    assert _location(
        _post(client, f"/advisor/cases/{world.risk_a}/notes", body="Owner prefers mornings <b>")
    ).endswith("done=note")
    html = client.get("/advisor?lang=en").text
    assert "Owner prefers mornings &lt;b&gt;" in html and "Zhao Min" in html
    risk_b = conn.execute(
        "SELECT risk_id FROM booking_suggestion WHERE id = %s", (world.suggestions_b[0],)
    ).fetchone()
    assert _location(_post(client, f"/advisor/cases/{risk_b[0]}/notes", body="x")).endswith(
        "refused=not_found"
    )
    assert _location(_post(client, f"/advisor/cases/{world.risk_a}/notes", body="  ")).endswith(
        "refused=invalid_note"
    )
    rows = conn.execute("SELECT risk_id, advisor_id FROM case_note").fetchall()
    assert rows == [(world.risk_a, desk)]
    assert conn.execute("SELECT count(*) FROM advisor_audit WHERE action = 'case.note'").fetchone()[0] == 1


def test_lookup_finds_the_centers_customers_by_plate_vin_name_and_phone(client, world, desk, conn):
    conn.execute(
        "INSERT INTO service_visit (vehicle_id, center_id, source, external_ref, visited_at, work, parts) "
        "VALUES (%s, %s, 'dms', 'RO-1', '2026-10-01T02:00:00Z', '{更换机油}', '{OIL-5W30}')",
        (world.vehicle_a, world.center_a),
    )
    conn.commit()
    for q in ("黑a 12345", world.vin_a[-6:], "li n", "138 0000 0001"):
        found = client.get("/advisor/customers", params={"q": q}).text
        assert f'href="/advisor/customers/{world.customer_a}"' in found, q
    assert 'id="no-match"' in client.get("/advisor/customers", params={"q": world.vin_b}).text
    assert 'id="no-match"' in client.get("/advisor/customers", params={"q": "Zhang Wei"}).text
    for wildcard in ("%%", "__", "L%"):  # LIKE's wildcards typed by the advisor match only themselves
        assert 'id="no-match"' in client.get("/advisor/customers", params={"q": wildcard}).text, wildcard
    page = client.get(f"/advisor/customers/{world.customer_a}?lang=en").text
    assert page.count("<svg") == 2  # 12 V and pads (no SOH for a combustion car)
    text = _visible(page)
    assert "12 V battery weak" in text and "Brake pads wearing out" in text
    assert "蓄电池需要检查" in text and "更换机油" in text and "Dealer system" in text
    assert not RAW.search(text), RAW.search(text)
    customer_b = conn.execute("SELECT customer_id FROM vehicle WHERE vin = %s", (world.vin_b,)).fetchone()[0]
    assert client.get(f"/advisor/customers/{customer_b}", follow_redirects=False).status_code == 303
