"""The advisor page over HTTP: login with a center key and CSRF, session cookie, board, accept, languages."""

from __future__ import annotations

import re

import pytest

from api.auth.key_store import revoke


@pytest.fixture
def future_slots(conn, world):
    """Move every slot of the world two days ahead of now (one hour apart per booking, so none overlap)."""
    conn.execute(
        "UPDATE booking_suggestion SET slot_start = now() + interval '2 days' + id * interval '1 hour', "
        "slot_end = now() + interval '2 days' + id * interval '1 hour' + interval '50 minutes'"
    )


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, key: str, **headers: str):
    page = client.get("/advisor/login", headers=headers)
    return client.post(
        "/advisor/login",
        data={"csrf_token": _csrf(page.text), "api_key": key},
        headers=headers,
        follow_redirects=False,
    )


def test_login_sets_an_httponly_session_cookie_that_is_not_the_key(client, world, future_slots):
    resp = login(client, world.key_a)
    assert resp.status_code == 303 and resp.headers["location"] == "/advisor"
    cookie = next(h for h in resp.headers.get_list("set-cookie") if h.startswith("cc_session="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert world.key_a not in cookie
    board = client.get("/advisor")
    assert board.status_code == 200
    assert world.vin_a in board.text and world.vin_b not in board.text
    assert (
        "high_internal_resistance" in board.text and "Vehicle.LowVoltageBattery.CurrentVoltage" in board.text
    )


def test_login_refuses_a_bad_key_an_admin_key_and_a_missing_csrf_token(client, world):
    assert login(client, "cc_live_nope-nope-nope-nope").status_code == 401
    assert login(client, world.admin_key).status_code == 401
    client.get("/advisor/login")
    no_token = client.post("/advisor/login", data={"api_key": world.key_a}, follow_redirects=False)
    assert no_token.status_code == 403
    assert client.get("/advisor", follow_redirects=False).headers["location"] == "/advisor/login"


def test_accept_moves_a_suggestion_to_booked_and_needs_the_csrf_token(client, world, future_slots, conn):
    login(client, world.key_a)
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
    assert "not_found" in other.text


def test_revoking_the_key_ends_its_sessions(client, world, conn):
    login(client, world.key_a)
    assert client.get("/advisor", follow_redirects=False).status_code == 200
    revoke(conn, prefix=world.key_a)
    assert client.get("/advisor", follow_redirects=False).status_code == 303


def test_language_follows_accept_language_and_the_switch(client, world):
    assert "登录" in client.get("/advisor/login").text
    assert "Log in" in client.get("/advisor/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "Log in" in client.get("/advisor/login?lang=en").text
    assert "Log in" in client.get("/advisor/login").text  # remembered in a cookie
    assert "登录" in client.get("/advisor/login?lang=zh-CN").text


def test_logout_ends_the_session(client, world):
    login(client, world.key_a)
    board = client.get("/advisor").text
    client.post("/advisor/logout", data={"csrf_token": _csrf(board)})
    assert client.get("/advisor", follow_redirects=False).status_code == 303
