"""Request bodies are capped before routing, authentication and parsing (413), on the ASGI app and on a real
server."""

from __future__ import annotations

import json
import select
import socket
from urllib.parse import urlsplit

import anyio
import httpx

LIMIT = 64 * 1024  # ApiOptions.max_body_bytes default


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


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
