"""The advisor page over HTTP: login with an advisor account and CSRF, session cookie, board, accept, languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from core.advisors import deactivate
from core.messaging import Reply, ReplyTarget, record_reply
from tests.advisor_login import log_in, make_advisor


@pytest.fixture
def future_slots(conn, world):
    """Move every slot of the world two days ahead of now (one hour apart per booking, so none overlap)."""
    conn.execute(
        "UPDATE booking_suggestion SET slot_start = now() + interval '2 days' + id * interval '1 hour', "
        "slot_end = now() + interval '2 days' + id * interval '1 hour' + interval '50 minutes'"
    )


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def advisor_a(conn, world) -> str:
    """The login e-mail of an advisor of center A."""
    make_advisor(conn, center_id=world.center_a, email="advisor.a@example.com")
    return "advisor.a@example.com"


def login(client, email: str, password: str = "pw-for-tests-1", **headers: str):
    return log_in(client, email, password, **headers)


def test_login_sets_an_httponly_session_cookie_that_is_not_the_password(
    client, world, future_slots, advisor_a
):
    resp = login(client, advisor_a)
    assert resp.status_code == 303 and resp.headers["location"] == "/advisor"
    cookie = next(h for h in resp.headers.get_list("set-cookie") if h.startswith("cc_session="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "pw-for-tests-1" not in cookie
    board = client.get("/advisor")
    assert board.status_code == 200
    assert world.vin_a in board.text and world.vin_b not in board.text
    assert "12V蓄电池电量不足" in board.text and "12V 蓄电池电压 9.31 V" in board.text
    assert "high_internal_resistance" not in board.text and "Vehicle." not in board.text


def test_login_refuses_a_bad_password_an_unknown_email_and_a_missing_csrf_token(client, world, advisor_a):
    assert login(client, advisor_a, "wrong-password").status_code == 401
    assert login(client, "nobody@example.com").status_code == 401
    client.get("/advisor/login")
    form = {"email": advisor_a, "password": "pw-for-tests-1"}
    no_token = client.post("/advisor/login", data=form, follow_redirects=False)
    assert no_token.status_code == 403
    assert client.get("/advisor", follow_redirects=False).headers["location"] == "/advisor/login"


def test_accept_moves_a_suggestion_to_booked_and_needs_the_csrf_token(
    client, world, future_slots, conn, advisor_a
):
    login(client, advisor_a)
    board = client.get("/advisor").text
    target = world.suggestions_a[0]
    forged = client.post(
        f"/advisor/bookings/{target}/accept", data={"csrf_token": "x"}, follow_redirects=False
    )
    assert forged.headers["location"] == "/advisor?refused=invalid_form"
    odd = client.post(f"/advisor/bookings/{target}/accept", data={"csrf_token": "é"}, follow_redirects=False)
    assert odd.headers["location"] == "/advisor?refused=invalid_form"
    status = conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (target,)).fetchone()[0]
    assert status == "suggested"
    done = client.post(f"/advisor/bookings/{target}/accept", data={"csrf_token": _csrf(board)})
    assert done.status_code == 200
    status = conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (target,)).fetchone()[0]
    assert status == "accepted"
    booked = done.text.split('id="booked"')[1].split("</table>")[0]
    assert f'data-booking="{target}"' in booked
    # Another center's booking is not found through this session.
    other = client.post(
        f"/advisor/bookings/{world.suggestions_b[0]}/accept", data={"csrf_token": _csrf(board)}
    )
    assert str(other.url).endswith("/advisor?refused=not_found") and "不属于本服务站" in other.text


def test_deactivating_the_advisor_ends_their_sessions(client, world, conn, advisor_a):
    login(client, advisor_a)
    assert client.get("/advisor", follow_redirects=False).status_code == 200
    advisor_id = conn.execute("SELECT id FROM advisor WHERE login_email = %s", (advisor_a,)).fetchone()[0]
    deactivate(conn, center_id=world.center_a, advisor_id=advisor_id, by=None, now=datetime.now(UTC))
    assert client.get("/advisor", follow_redirects=False).status_code == 303


def test_language_follows_accept_language_and_the_switch(client, world):
    assert "登录" in client.get("/advisor/login").text
    assert "Log in" in client.get("/advisor/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "Log in" in client.get("/advisor/login?lang=en").text
    assert "Log in" in client.get("/advisor/login").text  # remembered in a cookie
    assert "登录" in client.get("/advisor/login?lang=zh-CN").text


def test_logout_ends_the_session(client, world, advisor_a):
    login(client, advisor_a)
    board = client.get("/advisor").text
    client.post("/advisor/logout", data={"csrf_token": _csrf(board)})
    assert client.get("/advisor", follow_redirects=False).status_code == 303


def test_owner_replies_show_with_car_escaped_text_and_time_in_the_centers_zone(
    client, world, conn, advisor_a
):
    risk_b = conn.execute(
        "SELECT id FROM risk WHERE vehicle_id <> %s LIMIT 1", (world.vehicle_a,)
    ).fetchone()[0]
    vehicle_b = conn.execute("SELECT vehicle_id FROM risk WHERE id = %s", (risk_b,)).fetchone()[0]
    customer_b = conn.execute("SELECT customer_id FROM vehicle WHERE id = %s", (vehicle_b,)).fetchone()[0]
    at = datetime(2026, 12, 7, 4, 10, tzinfo=UTC)
    mine = ReplyTarget(world.center_a, world.vehicle_a, world.risk_a, world.customer_a)
    theirs = ReplyTarget(world.center_b, vehicle_b, risk_b, customer_b)
    said = '周六上午可以吗？<script>alert("x")</script> & 谢谢'
    assert record_reply(
        conn, target=mine, reply=Reply("email", "<m1@x>", said, "li@example.com", at), max_chars=500
    )
    assert record_reply(
        conn, target=theirs, reply=Reply("sms", "g-1", "B 的回复", "+8613800000000", at), max_chars=500
    )
    tz = conn.execute("SELECT tz FROM service_center WHERE id = %s", (world.center_a,)).fetchone()[0]
    assert tz == "Asia/Shanghai"

    login(client, advisor_a)
    html = client.get("/advisor?lang=zh-CN").text
    assert "<h2>客户回复</h2>" in html
    assert html.count('id="replies"') == 1, (
        "one replies section, in the page's content (not in the navigation)"
    )
    assert html.index('id="replies"') > html.index("/advisor/logout")
    section = html.split('id="replies"')[1].split("</table>")[0]
    assert world.vin_a in section and "Li Na" in section
    assert "周六上午可以吗？&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; 谢谢" in section
    assert "<script>" not in html
    assert "2026-12-07 12:10 +08:00 (Asia/Shanghai)" in section and "邮件" in section
    assert "B 的回复" not in html and world.vin_b not in section  # another center's reply
    assert "Replies from owners" in client.get("/advisor?lang=en").text
    # Once handled (status done) a reply leaves the page.
    client.post("/advisor/logout", data={"csrf_token": _csrf(html)})
    conn.execute("UPDATE center_feed_item SET status = 'done' WHERE kind = 'owner_reply'")
    login(client, advisor_a)
    assert 'id="replies-empty"' in client.get("/advisor").text
