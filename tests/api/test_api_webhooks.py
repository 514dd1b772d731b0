"""Webhook push per center, end to end: register through the API, a suggestion is written, notify's push job
POSTs it to a real local HTTP receiver, signed with the subscription's secret, retried after a 500, and a center
never receives another center's suggestions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import structlog

from api.webhooks import InvalidWebhookUrl, check_url
from notify.push import HttpPoster, deliver_pushes
from notify.signing import RetryPolicy, verify
from tests.api.conftest import add_customer, add_risk, add_suggestion, add_vehicle, vin_for
from tests.webhook_receiver import Receiver, serving

LOG = structlog.get_logger()
RETRY = RetryPolicy(base=timedelta(seconds=30), max_attempts=3)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving(Receiver(fail_status=500)) as server:
        yield server


def _url(server: Receiver, path: str = "/hook") -> str:
    return server.url(path)


def _subscribe(client, center_id: int, key: str, url: str, label: str | None = None) -> dict:
    resp = client.post(
        f"/v1/service-centers/{center_id}/webhooks", headers=bearer(key), json={"url": url, "label": label}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def _new_suggestion(conn, world, *, center: str) -> int:
    """Write a suggestion the way notify does (a plain INSERT); the outbox row comes with it."""
    center_id, tech = (world.center_a, world.tech_a) if center == "a" else (world.center_b, world.tech_b)
    n = conn.execute("SELECT count(*) FROM vehicle").fetchone()[0]
    customer = add_customer(conn, name=f"Owner {n}", center_id=center_id)
    vehicle = add_vehicle(conn, vin=vin_for(100 + n), customer_id=customer)
    risk = add_risk(conn, vehicle_id=vehicle, kind="winter_prep")
    return add_suggestion(
        conn,
        risk_id=risk,
        vehicle_id=vehicle,
        center_id=center_id,
        technician_id=tech,
        rank=1,
        created_at=datetime.now(UTC),
    )


def _push(conn, *, now: datetime | None = None):
    return deliver_pushes(
        conn, poster=HttpPoster(timeout_s=5), now=now or datetime.now(UTC), retry=RETRY, log=LOG
    )


def test_register_shows_the_secret_once_and_lists_without_it(client, world):
    created = _subscribe(client, world.center_a, world.key_a, "https://dms.example.com/hooks", "DMS")
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["events"] == ["booking_suggestion.created"]
    listed = client.get(f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a))
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["id"] == created["id"] and item["label"] == "DMS"
    assert item["secret_hint"] == created["secret"][:10] + "…"
    assert created["secret"] not in listed.text
    assert (item["pending"], item["delivered"], item["dead"]) == (0, 0, 0)


@pytest.mark.parametrize(
    "url",
    [
        "http://dms.example.com/hooks",  # plain http off this machine
        "ftp://127.0.0.1/x",
        "https://user:pw@dms.example.com/hooks",
        "https://dms.example.com/hooks#frag",
        "/relative/path",
        "https://dms.example.com:99999/x",
        "https://dms.example.com/a b",
    ],
)
def test_register_refuses_urls_that_cannot_receive_pushes(client, world, url):
    resp = client.post(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a), json={"url": url}
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] in ("invalid_webhook_url", "validation_error")


def test_register_refuses_unknown_fields_and_caps_subscriptions(client, world):
    path = f"/v1/service-centers/{world.center_a}/webhooks"
    body = {"url": "https://x.example.com", "events": ["all"]}
    assert client.post(path, headers=bearer(world.key_a), json=body).status_code == 422
    for i in range(10):
        _subscribe(client, world.center_a, world.key_a, f"https://x.example.com/{i}")
    resp = client.post(path, headers=bearer(world.key_a), json={"url": "https://x.example.com/10"})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "too_many_webhooks"


def test_webhooks_are_scoped_to_the_keys_center(client, world):
    mine = _subscribe(client, world.center_a, world.key_a, "https://a.example.com/hooks")
    for method, path in (
        ("POST", f"/v1/service-centers/{world.center_a}/webhooks"),
        ("GET", f"/v1/service-centers/{world.center_a}/webhooks"),
        ("DELETE", f"/v1/service-centers/{world.center_a}/webhooks/{mine['id']}"),
    ):
        resp = client.request(
            method, path, headers=bearer(world.key_b), json={"url": "https://b.example.com"}
        )
        assert resp.status_code == 403, (method, resp.text)
    # B's key through B's own center cannot end A's subscription either: it is not one of B's.
    other = f"/v1/service-centers/{world.center_b}/webhooks/{mine['id']}"
    assert client.delete(other, headers=bearer(world.key_b)).status_code == 404
    assert (
        client.get("/v1/service-centers/999999/webhooks", headers=bearer(world.admin_key)).status_code == 404
    )
    assert client.get(f"/v1/service-centers/{world.center_a}/webhooks").status_code == 401


def test_push_is_signed_carries_the_suggestion_and_never_crosses_centers(client, world, conn, receiver):
    before = _new_suggestion(conn, world, center="a")  # created before subscribing: not pushed
    sub_a = _subscribe(client, world.center_a, world.key_a, _url(receiver, "/a"))
    sub_b = _subscribe(client, world.center_b, world.key_b, _url(receiver, "/b"))
    new_a = _new_suggestion(conn, world, center="a")
    new_b = _new_suggestion(conn, world, center="b")

    report = _push(conn)
    assert (report.delivered, report.retrying, report.dead) == (2, 0, 0)
    by_path = {headers["X-Carecast-Event-Id"]: (headers, body) for headers, body in receiver.received}
    assert len(by_path) == 2
    secrets = {"/a": sub_a["secret"], "/b": sub_b["secret"]}
    seen: dict[int, list[int]] = {world.center_a: [], world.center_b: []}
    for event_id, (headers, body) in by_path.items():
        assert body["event_id"] == event_id and body["type"] == "booking_suggestion.created"
        seen[body["center_id"]].append(body["data"]["id"])
        assert body["path"] == ("/a" if body["center_id"] == world.center_a else "/b")
        own, other = secrets[body["path"]], secrets["/b" if body["path"] == "/a" else "/a"]
        ts = int(headers["X-Carecast-Timestamp"])
        sig = headers["X-Carecast-Signature"]
        assert verify(own.encode(), timestamp=ts, body=body["raw"], header=sig)
        assert not verify(other.encode(), timestamp=ts, body=body["raw"], header=sig)
    assert seen == {world.center_a: [new_a], world.center_b: [new_b]}
    assert before not in seen[world.center_a]
    # The body is the feed's SuggestedBooking: the same JSON the center would read from its feed.
    [(_, body_a)] = [v for v in by_path.values() if v[1]["center_id"] == world.center_a]
    feed = client.get(
        f"/v1/service-centers/{world.center_a}/suggested-bookings?limit=100", headers=bearer(world.key_a)
    ).json()
    [feed_item] = [item for item in feed["items"] if item["id"] == new_a]
    assert body_a["data"] == feed_item
    # Nothing is sent twice.
    assert _push(conn).delivered == 0 and len(receiver.received) == 2
    listed = client.get(f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)).json()
    assert listed["items"][0]["delivered"] == 1 and listed["items"][0]["last_delivered_at"] is not None


def test_push_retries_after_a_500_with_the_same_event_id(client, world, conn, receiver):
    receiver.fail_first = 1
    _subscribe(client, world.center_a, world.key_a, _url(receiver))
    suggestion = _new_suggestion(conn, world, center="a")
    now = datetime.now(UTC)
    first = _push(conn, now=now)
    assert (first.delivered, first.retrying) == (0, 1) and receiver.calls == 1 and not receiver.received
    row = conn.execute(
        "SELECT status, attempts, next_attempt_at, last_detail, event_id::text FROM webhook_delivery"
    ).fetchone()
    assert row[:2] == ("pending", 1) and row[3] == "http 500"
    assert row[2] == now + RETRY.base  # backoff: not due again before then
    assert _push(conn, now=now + timedelta(seconds=5)).delivered == 0 and receiver.calls == 1
    second = _push(conn, now=now + RETRY.base)
    assert second.delivered == 1
    [(headers, body)] = receiver.received
    assert headers["X-Carecast-Event-Id"] == row[4] == body["event_id"]
    assert body["data"]["id"] == suggestion


def test_a_dead_receiver_is_given_up_after_the_last_retry_and_blocks_no_other_center(
    client, world, conn, receiver
):
    dead_port_url = "http://127.0.0.1:9/unreachable"  # discard port: nothing listens
    _subscribe(client, world.center_a, world.key_a, dead_port_url)
    _subscribe(client, world.center_b, world.key_b, _url(receiver))
    for _ in range(2):
        _new_suggestion(conn, world, center="a")
    _new_suggestion(conn, world, center="b")
    now = datetime.now(UTC)
    report = _push(conn, now=now)
    # One failure of A's endpoint defers A's other push to the next run; B is delivered regardless.
    assert (report.delivered, report.retrying, report.deferred) == (1, 1, 1)
    at = now
    for _ in range(2 * RETRY.max_attempts):  # one attempt at A per run: the other push is deferred
        at += RETRY.cap
        _push(conn, now=at)
    statuses = conn.execute(
        "SELECT w.center_id, d.status, d.attempts FROM webhook_delivery d JOIN center_webhook w ON w.id = d.webhook_id"
        " ORDER BY d.id"
    ).fetchall()
    assert [s[1] for s in statuses if s[0] == world.center_a] == ["dead", "dead"]
    assert all(s[2] == RETRY.max_attempts for s in statuses if s[0] == world.center_a)
    assert [s[1] for s in statuses if s[0] == world.center_b] == ["delivered"]


def test_deleting_a_subscription_cancels_its_pending_pushes(client, world, conn, receiver):
    sub = _subscribe(client, world.center_a, world.key_a, _url(receiver))
    _new_suggestion(conn, world, center="a")
    resp = client.delete(
        f"/v1/service-centers/{world.center_a}/webhooks/{sub['id']}", headers=bearer(world.key_a)
    )
    assert resp.status_code == 204
    assert (
        client.delete(
            f"/v1/service-centers/{world.center_a}/webhooks/{sub['id']}", headers=bearer(world.key_a)
        ).status_code
        == 404
    )
    _new_suggestion(conn, world, center="a")
    assert _push(conn).delivered == 0 and receiver.calls == 0
    assert conn.execute("SELECT array_agg(status) FROM webhook_delivery").fetchone()[0] == ["cancelled"]
    listed = client.get(f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)).json()
    assert listed == {"items": []}


def test_a_rolled_back_suggestion_is_never_pushed(client, world, conn, receiver):
    _subscribe(client, world.center_a, world.key_a, _url(receiver))
    with pytest.raises(RuntimeError), conn.transaction():
        _new_suggestion(conn, world, center="a")
        raise RuntimeError("notify's transaction fails after writing the suggestion")
    assert conn.execute("SELECT count(*) FROM webhook_delivery").fetchone()[0] == 0
    assert _push(conn).delivered == 0 and receiver.calls == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://dms.example.com/hooks?center=5",
        "https://10.0.0.7:8443/carecast",
        "http://localhost:9099/hook",
        "http://127.0.0.1/hook",
        "http://[::1]:8080/hook",
    ],
)
def test_check_url_accepts_https_and_http_to_this_machine(url):
    assert check_url(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.7/hook", "plain http"),
        ("https://", "absolute"),
        ("mailto:ops@example.com", "absolute"),
        ("https://a:b@example.com/", "credentials"),
        ("https://example.com/" + "x" * 2000, "longer"),
        ("https://example.com:0/", "port 0"),
    ],
)
def test_check_url_says_why_a_url_is_refused(url, why):
    with pytest.raises(InvalidWebhookUrl, match=why):
        check_url(url)
