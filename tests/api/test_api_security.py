"""Security regressions on the real database: request bodies are capped before anything else runs, NUL characters
are refused (never a 500), a VIN with a trailing newline is not a VIN, a resold car's previous owner and new owner
cannot touch each other's personal items, and API keys and owner tokens expire and rotate."""

from __future__ import annotations

import json
import re
import select
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import anyio
import httpx
import psycopg
import pytest
import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.auth.credentials import hash_secret, parse_duration
from api.auth.key_store import (
    KeyCommandError,
    create_center_key,
    create_owner_token,
    list_credentials,
    revoke,
    rotate,
)
from api.auth.principals import CenterPrincipal
from api.errors import install_error_handlers, is_unstorable_text
from api.feed.cache import PrincipalCache
from api.keys import main
from api.settings import KeysSettings
from api.state import app_state
from api.views.advisor_text import TEXT
from core.db import connect
from notify.aftercare import run_aftercare
from tests.api.conftest import add_customer
from tests.conftest import wait_for

LOG = structlog.get_logger()
AFTERCARE_NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
LIMIT = 64 * 1024  # ApiOptions.max_body_bytes default


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def serviced(client: TestClient, world) -> int:
    """Take A's first option through accept, check-in and complete; return its id."""
    option = world.suggestions_a[0]
    base = f"/v1/service-centers/{world.center_a}/bookings/{option}"
    for action, body in [("accept", None), ("check-in", None), ("complete", {"outcome": "fault_confirmed"})]:
        assert client.post(f"{base}/{action}", headers=bearer(world.key_a), json=body).status_code == 200
    return option


def surveyed(client: TestClient, world, conn: psycopg.Connection) -> tuple[str, dict]:
    """Service A's car and queue its survey; return (answers URL, answers that are valid)."""
    serviced(client, world)
    assert run_aftercare(conn, now=AFTERCARE_NOW, log=LOG).surveys == 1
    survey = client.get(f"/v1/vehicles/{world.vin_a}/surveys", headers=bearer(world.owner_a)).json()["items"][
        0
    ]
    answers = {q["id"]: (5 if q["type"] == "score" else "fine") for q in survey["questions"]}
    return f"/v1/vehicles/{world.vin_a}/surveys/{survey['id']}/answers", answers


# -- 1. Request bodies are capped before routing, authentication and parsing. ---------------------------------


def _asgi_post(app, *, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, dict, int]:
    """Call the ASGI app directly; return (status, JSON body, how many body messages it asked for)."""
    asked = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal asked
        asked += 1
        if asked <= len(chunks):
            return {"type": "http.request", "body": chunks[asked - 1], "more_body": asked < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/vehicles/LSVAU2180N0000001/surveys/1/answers",
        "raw_path": b"/v1/vehicles/LSVAU2180N0000001/surveys/1/answers",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), asked


def test_a_declared_oversized_body_is_refused_without_reading_it(client):
    status, body, asked = _asgi_post(
        client.app, headers=[(b"content-length", b"209715200")], chunks=[b"x" * 1024] * 3
    )
    assert (status, body["error"]["code"]) == (413, "payload_too_large")
    assert asked == 0  # not one byte of the 200 MB was read: no credentials were even looked at


def test_a_streamed_body_is_cut_off_once_over_the_limit(client):
    chunks = [b" " * 16 * 1024] * 64  # 1 MiB without a Content-Length
    status, body, asked = _asgi_post(client.app, headers=[], chunks=chunks)
    assert (status, body["error"]["code"]) == (413, "payload_too_large")
    assert asked == LIMIT // (16 * 1024) + 1  # stopped at the first message over the limit


def test_oversized_bodies_get_413_through_the_test_client(client, world):
    url = f"/v1/vehicles/{world.vin_a}/surveys/1/answers"
    declared = client.post(url, content=b"x" * (LIMIT + 1), headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.json() == {
        "error": {"code": "payload_too_large", "message": f"request body is larger than {LIMIT} bytes"}
    }
    streamed = client.post(
        url, content=iter([b" " * 8192] * 20), headers={"Content-Type": "application/json"}
    )
    assert (streamed.status_code, streamed.json()["error"]["code"]) == (413, "payload_too_large")


def test_bodies_up_to_the_limit_still_work(client, world):
    # Just under the limit: it reaches the route (and its validation), it is not refused by size.
    padded = json.dumps({"outcome": "fault_confirmed", "pad": " " * (LIMIT - 200)}).encode()
    url = f"/v1/service-centers/{world.center_a}/bookings/{world.suggestions_a[0]}"
    assert client.post(f"{url}/accept", headers=bearer(world.key_a)).status_code == 200
    assert client.post(f"{url}/check-in", headers=bearer(world.key_a)).status_code == 200
    done = client.post(
        f"{url}/complete",
        content=padded,
        headers={**bearer(world.key_a), "Content-Type": "application/json"},
    )
    assert done.status_code == 200, done.text
    assert client.get("/v1/me/vehicles", headers=bearer(world.owner_a)).status_code == 200


def test_the_limit_is_a_setting(make_client, world):
    small = make_client(max_body_bytes=2048)
    url = f"/v1/service-centers/{world.center_a}/bookings/{world.suggestions_a[0]}/complete"
    body = {"outcome": "fault_confirmed", "parts_used": [{"sku": "X" * 60, "qty": 1}] * 40}
    resp = small.post(url, json=body, headers=bearer(world.key_a))
    assert (resp.status_code, resp.json()["error"]["code"]) == (413, "payload_too_large")


def _raw_request(base: str, head: str) -> socket.socket:
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(head.encode())
    return sock


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass  # the server closed with our unread upload in its buffer: what it sent before is in `data`
    return data


def test_a_real_server_refuses_a_declared_200_mb_upload_at_once(live_api, world):
    head = (
        f"POST /v1/vehicles/{world.vin_a}/surveys/1/answers HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nContent-Length: 209715200\r\n\r\n"
    )
    with _raw_request(live_api, head) as sock:
        response = _read_response(sock)  # no body sent: the old API waited for it until the timeout
    assert response.startswith(b"HTTP/1.1 413 ")
    assert b"payload_too_large" in response and b"connection: close" in response.lower()


def test_a_real_server_cuts_a_chunked_upload_short(live_api, world):
    head = (
        f"POST /v1/vehicles/{world.vin_a}/surveys/1/answers HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
    sent, total = 0, 64 * 1024 * 1024  # 64 MiB on offer, unauthenticated
    with _raw_request(live_api, head) as sock:
        try:
            while sent < total and not select.select([sock], [], [], 0)[0]:
                sock.sendall(chunk)
                sent += 64 * 1024
            if sent >= total:
                sock.sendall(b"0\r\n\r\n")  # the whole upload went in unanswered: end it, see what comes back
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        response = _read_response(sock)
    assert response.startswith(b"HTTP/1.1 413 "), response[:200]
    assert sent < total  # answered long before the upload was complete


def test_a_real_server_still_serves_normal_requests(live_api, world):
    with httpx.Client(base_url=live_api) as http:
        url = f"/v1/service-centers/{world.center_a}/bookings/{world.suggestions_a[0]}/accept"
        assert http.post(url, headers=bearer(world.key_a)).status_code == 200
        assert http.get("/v1/me/vehicles", headers=bearer(world.owner_a)).status_code == 200


# -- 2. NUL characters are refused at validation, and never reach PostgreSQL as a 500. ------------------------


def _webhook(label: str | None = None, url: str = "https://dms.example.com/hooks") -> dict:
    return {"url": url} if label is None else {"url": url, "label": label}


NUL_CASES = {
    "webhook url": lambda c, w: c.post(
        f"/v1/service-centers/{w.center_a}/webhooks",
        json=_webhook(url="https://dms.example.com/a\x00b"),
        headers=bearer(w.key_a),
    ),
    "webhook label": lambda c, w: c.post(
        f"/v1/service-centers/{w.center_a}/webhooks", json=_webhook(label="DMS\x00"), headers=bearer(w.key_a)
    ),
    "part sku": lambda c, w: _complete_with_sku(c, w, "BAT\x00"),
    "idempotency key header": lambda c, w: c.post(
        f"/v1/vehicles/{w.vin_a}/booking-options/{w.suggestions_a[0]}/accept",
        headers={**bearer(w.owner_a), "Idempotency-Key": "k\x00"},
    ),
    "vin path parameter": lambda c, w: c.get(
        f"/v1/vehicles/{w.vin_a[:-1]}%00/alerts", headers=bearer(w.owner_a)
    ),
    "cursor query parameter": lambda c, w: c.get(
        f"/v1/service-centers/{w.center_a}/feed", params={"cursor": "a\x00"}, headers=bearer(w.key_a)
    ),
}


def _complete_with_sku(client: TestClient, world, sku: str) -> httpx.Response:
    base = f"/v1/service-centers/{world.center_a}/bookings/{world.suggestions_a[0]}"
    assert client.post(f"{base}/accept", headers=bearer(world.key_a)).status_code == 200
    assert client.post(f"{base}/check-in", headers=bearer(world.key_a)).status_code == 200
    body = {"outcome": "fault_confirmed", "parts_used": [{"sku": sku, "qty": 1}]}
    return client.post(f"{base}/complete", json=body, headers=bearer(world.key_a))


@pytest.mark.parametrize("case", sorted(NUL_CASES))
def test_nul_in_any_text_field_is_a_validation_error(client, world, case):
    resp = NUL_CASES[case](client, world)
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("where", ["comment", "question id"])
def test_nul_in_a_survey_answer_is_a_validation_error(client, world, conn, where):
    url, answers = surveyed(client, world, conn)
    text_id = next(k for k, v in answers.items() if isinstance(v, str))
    if where == "comment":
        answers[text_id] = "Quick\x00 and friendly"
    else:
        answers["q\x00"] = 3
    resp = client.post(url, json={"answers": answers}, headers=bearer(world.owner_a))
    assert resp.status_code == 422, resp.text
    assert "NUL" in resp.json()["error"]["message"]
    # The survey is still open: a clean answer goes through.
    answers.pop("q\x00", None)
    answers[text_id] = "Quick and friendly"
    assert client.post(url, json={"answers": answers}, headers=bearer(world.owner_a)).status_code == 200


def test_the_database_refusing_text_is_a_4xx_not_a_500(database):
    """The backstop in api/errors.py, for text no validation caught: NUL (refused by psycopg) and \\u0000 in jsonb
    (refused by PostgreSQL) answer 422; any other data error is still a 500."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/echo/{kind}")
    def echo(kind: str) -> dict:
        statements = {
            "text": ("SELECT %s::text", ["a\x00b"]),
            "jsonb": ("SELECT %s::jsonb", [json.dumps({"a": "x\x00"})]),
            "division": ("SELECT 1 / %s", [0]),
        }
        with connect(database) as conn:
            conn.execute(*statements[kind])
        return {}

    with TestClient(app, raise_server_exceptions=False) as http:
        for kind in ("text", "jsonb"):
            resp = http.get(f"/echo/{kind}")
            assert (resp.status_code, resp.json()["error"]["code"]) == (422, "invalid_text"), kind
        assert http.get("/echo/division").status_code == 500


def test_which_database_errors_count_as_unstorable_text(conn):
    with pytest.raises(psycopg.DataError) as nul:
        conn.execute("SELECT %s::text", ["a\x00b"])
    with pytest.raises(psycopg.DataError) as division:
        conn.execute("SELECT 1 / 0")
    assert is_unstorable_text(nul.value) and not is_unstorable_text(division.value)


# -- 3. A VIN with a trailing newline is not a VIN. ------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["%0A", "%0D%0A"])
def test_a_vin_with_a_trailing_newline_is_refused(client, world, suffix):
    resp = client.get(f"/v1/vehicles/{world.vin_a}{suffix}/alerts", headers=bearer(world.owner_a))
    assert (resp.status_code, resp.json()["error"]["code"]) == (422, "validation_error")


def test_the_advisor_board_ignores_a_refusal_code_with_a_newline(client, world):
    page = client.get("/advisor/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    login = client.post(
        "/advisor/login", data={"csrf_token": csrf, "api_key": world.key_a}, follow_redirects=False
    )
    assert login.status_code == 303
    refused = TEXT["en"]["refused"]
    assert refused in client.get("/advisor", params={"refused": "not_found", "lang": "en"}).text
    assert refused not in client.get("/advisor", params={"refused": "not_found\n", "lang": "en"}).text


# -- 4. After a resale the new owner and the previous owner stay apart. ---------------------------------------


def test_after_a_resale_the_new_owner_cannot_answer_the_previous_owners_survey(client, world, conn):
    url, answers = surveyed(client, world, conn)
    buyer = add_customer(conn, name="Wang Fang", center_id=world.center_a)
    buyer_token = create_owner_token(conn, customer_id=buyer)
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", [buyer, world.vehicle_a])

    # The buyer sees the car, but none of the seller's survey, care messages or inbox.
    mine = client.get("/v1/me/vehicles", headers=bearer(buyer_token)).json()["items"]
    assert [v["vin"] for v in mine] == [world.vin_a]
    surveys = client.get(f"/v1/vehicles/{world.vin_a}/surveys", headers=bearer(buyer_token)).json()
    assert surveys["items"] == []
    answered = client.post(url, json={"answers": answers}, headers=bearer(buyer_token))
    assert (answered.status_code, answered.json()["error"]["code"]) == (404, "not_found")
    alerts = client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(buyer_token)).json()["alerts"]
    assert alerts and all(a["messages"] == [] for a in alerts)
    assert client.get("/v1/me/inbox", headers=bearer(buyer_token)).json()["items"] == []

    # The seller no longer sees the car or anything about it, nor can answer through it.
    assert client.get("/v1/me/vehicles", headers=bearer(world.owner_a)).json()["items"] == []
    for path in ("alerts", "health", "booking-options"):
        assert (
            client.get(f"/v1/vehicles/{world.vin_a}/{path}", headers=bearer(world.owner_a)).status_code == 404
        )
    assert client.post(url, json={"answers": answers}, headers=bearer(world.owner_a)).status_code == 404
    assert conn.execute("SELECT answered_at FROM survey").fetchone()[0] is None


def test_after_a_resale_the_new_owner_cannot_see_or_act_on_the_previous_owners_booking_options(
    client, world, conn
):
    """Options and booked visits are the seller's: the buyer neither sees nor accepts nor declines them."""
    booked, offered = world.suggestions_a[0], world.suggestions_a[3]
    accepted = client.post(
        f"/v1/vehicles/{world.vin_a}/booking-options/{booked}/accept", headers=bearer(world.owner_a)
    )
    assert accepted.status_code == 200
    buyer = add_customer(conn, name="Wang Fang", center_id=world.center_a)
    buyer_token = create_owner_token(conn, customer_id=buyer)
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", [buyer, world.vehicle_a])

    options = client.get(f"/v1/vehicles/{world.vin_a}/booking-options", headers=bearer(buyer_token)).json()
    assert options["items"] == []
    health = client.get(f"/v1/vehicles/{world.vin_a}/health", headers=bearer(buyer_token)).json()
    assert health["upcoming_care"] == []
    alerts = client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(buyer_token)).json()["alerts"]
    assert alerts and all(a["booking_options"] == [] for a in alerts)
    for option, action, body in ((offered, "accept", None), (booked, "decline", {"remind": False})):
        answer = client.post(
            f"/v1/vehicles/{world.vin_a}/booking-options/{option}/{action}",
            headers=bearer(buyer_token),
            json=body,
        )
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found"), action
    status = conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", [booked]).fetchone()[0]
    assert status == "accepted"
    # The center's view is unchanged: the visit is the center's business whoever owns the car now.
    feed = client.get(
        f"/v1/service-centers/{world.center_a}/suggested-bookings?status=accepted",
        headers=bearer(world.key_a),
    )
    assert booked in [item["id"] for item in feed.json()["items"]]


# -- 5. Keys and owner tokens expire; rotation overlaps old and new for a grace period. ------------------------


def _expire(conn: psycopg.Connection, table: str, secret: str) -> None:
    column = "key_hash" if table == "api_key" else "token_hash"
    conn.execute(
        f"UPDATE {table} SET expires_at = now() - interval '1 second' WHERE {column} = %s",
        [hash_secret(secret)],
    )


def test_an_expired_api_key_is_refused_saying_it_expired(client, world, conn):
    key = create_center_key(conn, center_id=world.center_a, expires_in=timedelta(days=90))
    cases = f"/v1/service-centers/{world.center_a}/cases"
    feed = f"/v1/service-centers/{world.center_a}/suggested-bookings"
    assert client.get(cases, headers=bearer(key)).status_code == 200
    assert client.get(feed, headers=bearer(key)).status_code == 200
    _expire(conn, "api_key", key)
    refused = client.get(cases, headers=bearer(key))
    assert refused.status_code == 401 and "expired" in refused.json()["error"]["message"]
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    # The feed caches keys: the expiry's change notification drops the cached one.
    wait_for(lambda: client.get(feed, headers=bearer(key)).status_code == 401, what="the feed to refuse")
    assert client.get(cases, headers=bearer(world.key_a)).status_code == 200  # other keys unaffected
    with pytest.raises(KeyCommandError, match="no active api key"):
        revoke(conn, prefix=key)


def test_an_expired_keys_advisor_session_ends(client, world, conn):
    page = client.get("/advisor/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": csrf, "api_key": world.key_a}
    assert client.post("/advisor/login", data=form, follow_redirects=False).status_code == 303
    assert client.get("/advisor", follow_redirects=False).status_code == 200
    _expire(conn, "api_key", world.key_a)
    board = client.get("/advisor", follow_redirects=False)
    assert (board.status_code, board.headers["location"]) == (303, "/advisor/login")


def test_an_expired_owner_token_is_refused_saying_it_expired(client, world, conn):
    url = f"/v1/vehicles/{world.vin_a}/alerts"
    assert client.get(url, headers=bearer(world.owner_a)).status_code == 200
    _expire(conn, "owner_token", world.owner_a)
    refused = client.get(url, headers=bearer(world.owner_a))
    assert refused.status_code == 401
    assert refused.json()["error"]["message"].startswith("owner token expired at ")


def test_a_cached_principal_is_refused_from_its_expiry_on():
    past, future = datetime.now(UTC) - timedelta(seconds=1), datetime.now(UTC) + timedelta(hours=1)
    clock = {"now": past - timedelta(hours=1)}
    cache: PrincipalCache[CenterPrincipal] = PrincipalCache(
        max_age_s=30, max_entries=10, live=lambda p: p.live_at(clock["now"])
    )
    cache.enable()
    key = CenterPrincipal(key_id=1, role="center", center_id=7, expires_at=past)
    forever = replace(key, key_id=2, expires_at=None)
    cache.put(cache.ticket(), b"d1", key, key_id=1, now=0)
    cache.put(cache.ticket(), b"d2", forever, key_id=2, now=0)
    assert cache.get(b"d1", now=1) == key
    clock["now"] = past
    assert cache.get(b"d1", now=2) is None and cache.get(b"d2", now=2) == forever
    assert cache.get(b"d1", now=2) is None  # dropped, not only hidden
    assert not CenterPrincipal(key_id=3, role="admin", center_id=None, expires_at=past).live_at(
        datetime.now(UTC)
    )
    assert CenterPrincipal(key_id=3, role="admin", center_id=None, expires_at=future).live_at(
        datetime.now(UTC)
    )


def test_the_apps_key_cache_checks_expiry_against_the_clock(client):
    live = app_state(client.app).principals.live
    key = CenterPrincipal(key_id=1, role="center", center_id=1)
    assert live(key) and live(replace(key, expires_at=datetime.now(UTC) + timedelta(minutes=5)))
    assert not live(replace(key, expires_at=datetime.now(UTC) - timedelta(seconds=1)))


def test_rotation_keeps_both_keys_during_the_grace_period_then_only_the_new_one(client, world, conn):
    old = create_center_key(conn, center_id=world.center_a, label="front desk tablet")
    rotation = rotate(conn, prefix=old[:16], grace=timedelta(hours=24))
    new = rotation.secret
    assert new != old and rotation.table == "api_key" and rotation.old_prefix == old[:16]
    assert timedelta(hours=23) < rotation.old_expires_at - datetime.now(UTC) <= timedelta(hours=24)
    rows = conn.execute(
        "SELECT center_id, role, label, expires_at IS NULL FROM api_key WHERE key_hash = ANY(%s) ORDER BY id",
        [[hash_secret(old), hash_secret(new)]],
    ).fetchall()
    assert rows == [(world.center_a, "center", "front desk tablet", False)] + [
        (world.center_a, "center", "front desk tablet", True)
    ]
    feed = f"/v1/service-centers/{world.center_a}/suggested-bookings"
    cases = f"/v1/service-centers/{world.center_a}/cases"
    for secret in (old, new):
        assert client.get(feed, headers=bearer(secret)).status_code == 200
        assert client.get(cases, headers=bearer(secret)).status_code == 200
    _expire(conn, "api_key", old)  # the grace period is over
    assert client.get(cases, headers=bearer(old)).status_code == 401
    wait_for(lambda: client.get(feed, headers=bearer(old)).status_code == 401, what="the old key to stop")
    assert client.get(feed, headers=bearer(new)).status_code == 200
    assert client.get(cases, headers=bearer(new)).status_code == 200


def test_rotation_never_extends_an_expiry_and_works_for_owner_tokens(client, world, conn):
    old = create_owner_token(conn, customer_id=world.customer_a, expires_in=timedelta(hours=1))
    rotation = rotate(conn, prefix=old, grace=timedelta(days=7), expires_in=timedelta(days=30))
    assert rotation.table == "owner_token"
    assert rotation.old_expires_at - datetime.now(UTC) <= timedelta(hours=1)  # not pushed out to 7 days
    url = f"/v1/vehicles/{world.vin_a}/alerts"
    for secret in (old, rotation.secret):
        assert client.get(url, headers=bearer(secret)).status_code == 200
    _expire(conn, "owner_token", old)
    assert client.get(url, headers=bearer(old)).status_code == 401
    assert client.get(url, headers=bearer(rotation.secret)).status_code == 200


def test_cli_expires_in_rotate_and_list(client, database, world, conn, capsys):
    settings = KeysSettings(database=database)
    assert (
        main(["create", "--center", "SHA01", "--label", "dms", "--expires-in", "90d"], settings=settings) == 0
    )
    old = capsys.readouterr().out.strip()
    assert main(["rotate", "--prefix", old[:16], "--grace", "12h"], settings=settings) == 0
    out, err = capsys.readouterr()
    new = out.strip()
    assert new.startswith("cc_live_") and new != old and "stops working at" in err and new not in err
    url = f"/v1/service-centers/{world.center_b}/suggested-bookings"
    assert client.get(url, headers=bearer(new)).status_code == 200
    assert client.get(url, headers=bearer(old)).status_code == 200  # within the grace period

    assert main(["list"], settings=settings) == 0
    listing = capsys.readouterr().out
    assert "expires_at" in listing.splitlines()[0].split()
    assert old[:16] in listing and new[:16] in listing and old not in listing and new not in listing
    rows = {row["prefix"]: row for row in list_credentials(conn)}
    grace_end = datetime.now(UTC) + timedelta(hours=12)
    assert abs(rows[old[:16]]["expires_at"] - grace_end) < timedelta(minutes=1)  # 12 h, not the 90 days
    assert str(rows[old[:16]]["expires_at"]) in listing
    assert rows[new[:16]]["expires_at"] is None and rows[new[:16]]["label"] == "dms"

    with pytest.raises(SystemExit):
        main(["create", "--center", "SHA01", "--expires-in", "soon"], settings=settings)
    assert "not a duration" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        (" 0h ", timedelta(0)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "90", "d", "1.5d", "-1d", "90d\n1h", "12 h", "1y"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)
