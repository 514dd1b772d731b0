"""Webhook push per center, end to end: register through the API, a suggestion is written, notify's push job
POSTs it to a real local HTTP receiver, signed with the subscription's secret, retried after a 500, and a center
never receives another center's suggestions.

The receiver listens on 127.0.0.1, which is refused by default (core/egress.py): the tests that deliver to it turn
the development setting on (`dev_client`, `DEV`); the others show that the same URLs are refused without it, at
registration and at delivery, and that a revoked or expired key's subscriptions stop pushing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import structlog
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.credentials import display_prefix
from api.auth.key_store import create_center_key, revoke, rotate
from api.policy.webhook_urls import InvalidWebhookUrl, check_url
from api.settings import ApiSettings
from core.egress import EgressSettings
from core.settings import LogSettings
from notify.push import HttpPoster, deliver_pushes
from notify.signing import RetryPolicy, verify
from tests.api.conftest import add_customer, add_risk, add_suggestion, add_vehicle, vin_for
from tests.webhook_receiver import Receiver, serving

LOG = structlog.get_logger()
RETRY = RetryPolicy(base=timedelta(seconds=30), max_attempts=3)
STRICT = EgressSettings()  # the default: public addresses only
DEV = EgressSettings(allow_loopback=True)  # CARECAST_EGRESS__ALLOW_LOOPBACK=true: this machine too


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def dev_client(database) -> Iterator[TestClient]:
    """A started client of an app with the development setting on: URLs on this machine may be registered."""
    settings = ApiSettings(database=database, log=LogSettings(level="WARNING"), egress=DEV)
    with TestClient(create_app(settings)) as client:
        yield client


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


def _push(conn, *, now: datetime | None = None, egress: EgressSettings = DEV):
    poster = HttpPoster(egress=egress, timeout_s=5)
    return deliver_pushes(conn, poster=poster, now=now or datetime.now(UTC), retry=RETRY, log=LOG)


def test_register_shows_the_secret_once_and_lists_without_it(client, world):
    created = _subscribe(client, world.center_a, world.key_a, "https://dms.example.com/hooks", "DMS")
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["events"][0] == "booking_suggestion.created" and "feedback.negative" in created["events"]
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


def test_push_is_signed_carries_the_suggestion_and_never_crosses_centers(dev_client, world, conn, receiver):
    before = _new_suggestion(conn, world, center="a")  # created before subscribing: not pushed
    sub_a = _subscribe(dev_client, world.center_a, world.key_a, _url(receiver, "/a"))
    sub_b = _subscribe(dev_client, world.center_b, world.key_b, _url(receiver, "/b"))
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
    feed = dev_client.get(
        f"/v1/service-centers/{world.center_a}/suggested-bookings?limit=100", headers=bearer(world.key_a)
    ).json()
    [feed_item] = [item for item in feed["items"] if item["id"] == new_a]
    assert body_a["data"] == feed_item
    # Nothing is sent twice.
    assert _push(conn).delivered == 0 and len(receiver.received) == 2
    listed = dev_client.get(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)
    ).json()
    assert listed["items"][0]["delivered"] == 1 and listed["items"][0]["last_delivered_at"] is not None


def test_push_retries_after_a_500_with_the_same_event_id(dev_client, world, conn, receiver):
    receiver.fail_first = 1
    _subscribe(dev_client, world.center_a, world.key_a, _url(receiver))
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
    dev_client, world, conn, receiver
):
    dead_port_url = "http://127.0.0.1:9/unreachable"  # discard port: nothing listens
    _subscribe(dev_client, world.center_a, world.key_a, dead_port_url)
    _subscribe(dev_client, world.center_b, world.key_b, _url(receiver))
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


def test_deleting_a_subscription_cancels_its_pending_pushes(dev_client, world, conn, receiver):
    sub = _subscribe(dev_client, world.center_a, world.key_a, _url(receiver))
    _new_suggestion(conn, world, center="a")
    resp = dev_client.delete(
        f"/v1/service-centers/{world.center_a}/webhooks/{sub['id']}", headers=bearer(world.key_a)
    )
    assert resp.status_code == 204
    assert (
        dev_client.delete(
            f"/v1/service-centers/{world.center_a}/webhooks/{sub['id']}", headers=bearer(world.key_a)
        ).status_code
        == 404
    )
    _new_suggestion(conn, world, center="a")
    assert _push(conn).delivered == 0 and receiver.calls == 0
    assert conn.execute("SELECT array_agg(status) FROM webhook_delivery").fetchone()[0] == ["cancelled"]
    listed = dev_client.get(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)
    ).json()
    assert listed == {"items": []}


def test_a_rolled_back_suggestion_is_never_pushed(dev_client, world, conn, receiver):
    _subscribe(dev_client, world.center_a, world.key_a, _url(receiver))
    with pytest.raises(RuntimeError), conn.transaction():
        _new_suggestion(conn, world, center="a")
        raise RuntimeError("notify's transaction fails after writing the suggestion")
    assert conn.execute("SELECT count(*) FROM webhook_delivery").fetchone()[0] == 0
    assert _push(conn).delivered == 0 and receiver.calls == 0


@pytest.mark.parametrize(
    ("url", "egress"),
    [
        ("https://dms.example.com/hooks?center=5", STRICT),
        ("https://93.184.215.14:8443/carecast", STRICT),
        ("https://[2606:4700::1111]/carecast", STRICT),
        ("http://localhost:9099/hook", DEV),
        ("http://127.0.0.1/hook", DEV),
        ("http://[::1]:8080/hook", DEV),
        ("https://127.0.0.1:8443/hook", DEV),
    ],
)
def test_check_url_accepts_public_https_and_this_machine_in_development(url, egress):
    assert check_url(url, egress=egress).host in url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.7/hook", "plain http"),
        ("https://", "absolute"),
        ("mailto:ops@example.com", "absolute"),
        ("https://a:b@example.com/", "credentials"),
        ("https://example.com/" + "x" * 2000, "longer"),
        ("https://example.com:0/", "port 0"),
        ("https://10.0.0.7:8443/carecast", "10.0.0.7 is a private address"),
    ],
)
def test_check_url_says_why_a_url_is_refused(url, why):
    with pytest.raises(InvalidWebhookUrl, match=why):
        check_url(url, egress=DEV)


# -- The egress policy at registration: refused by default, URLs on this machine only in development. --------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:5432/", "127.0.0.1 is a loopback address"),
        ("https://127.0.0.1:5432/", "127.0.0.1 is a loopback address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("https://172.20.0.1/hook", "172.20.0.1 is a private address"),
        ("https://192.168.0.10/hook", "192.168.0.10 is a private address"),
        ("https://100.100.100.200/hook", "100.100.100.200 is a private (CGNAT) address"),
        ("https://[fd00::1]/hook", "fd00::1 is a unique-local address"),
        ("https://[::1]/hook", "::1 is a loopback address"),
        ("https://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1 is a loopback address"),
        ("https://[64:ff9b::a9fe:a9fe]/hook", "link-local"),
        ("https://0.0.0.0:8000/hook", "0.0.0.0 is an unspecified address"),
        ("https://2130706433/hook", "numeric host"),
        ("https://0177.0.0.1/hook", "numeric host"),
        ("https://127.1/hook", "numeric host"),
        ("https://[fe80::1%25eth0]/hook", "zone ids"),
        ("https://127.0.0.1./hook", "127.0.0.1 is a loopback address"),
        ("https://224.0.0.251/hook", "multicast"),
        ("https://198.51.100.7/hook", "documentation"),
    ],
)
def test_register_refuses_non_public_addresses_by_default(client, world, url, why):
    resp = client.post(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a), json={"url": url}
    )
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == "invalid_webhook_url" and why in error["message"], error


def test_register_refuses_a_host_name_that_resolves_to_this_machine(client, world, receiver):
    # The real resolver (getaddrinfo): "localhost" resolves to 127.0.0.1, so it is refused like the literal.
    resp = client.post(
        f"/v1/service-centers/{world.center_a}/webhooks",
        headers=bearer(world.key_a),
        json={"url": receiver.url(host="localhost").replace("http:", "https:")},
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["message"] == "body.url: localhost resolves to a loopback address"


def test_the_local_receiver_is_accepted_only_with_the_development_setting(
    client, dev_client, world, receiver
):
    path, url = f"/v1/service-centers/{world.center_a}/webhooks", receiver.url()
    refused = client.post(path, headers=bearer(world.key_a), json={"url": url})
    assert refused.status_code == 422 and "plain http only to localhost" in refused.json()["error"]["message"]
    assert dev_client.post(path, headers=bearer(world.key_a), json={"url": url}).status_code == 201
    # Other non-public addresses stay refused in development too.
    private = dev_client.post(path, headers=bearer(world.key_a), json={"url": "https://10.0.0.5/hook"})
    assert private.status_code == 422


# -- The egress policy at delivery: rows written behind the API's back are refused too. ---------------------


def _insert_webhook(conn, center_id: int, url: str) -> int:
    """A subscription written straight into the table (an old row, or a URL whose DNS changed since)."""
    return conn.execute(
        "INSERT INTO center_webhook (center_id, url, secret) VALUES (%s, %s, %s) RETURNING id",
        (center_id, url, "whsec_" + "s" * 40),
    ).fetchone()[0]


def test_delivery_refuses_non_public_addresses_by_default(world, conn, receiver):
    urls = {
        "loopback": receiver.url(),  # the very receiver the development tests deliver to
        "private": "https://10.0.0.5/hook",
        "metadata": "https://169.254.169.254/latest/meta-data/",
        "decimal": f"https://2130706433:{receiver.port}/hook",
        "mapped": f"https://[::ffff:127.0.0.1]:{receiver.port}/hook",
        # A host name checked on what it resolves to (the real getaddrinfo), not on how it is spelled.
        "name": receiver.url(host="localhost").replace("http:", "https:"),
    }
    ids = {kind: _insert_webhook(conn, world.center_a, url) for kind, url in urls.items()}
    _new_suggestion(conn, world, center="a")
    report = _push(conn, egress=STRICT)
    assert (report.delivered, report.retrying) == (0, len(urls))
    assert receiver.calls == 0  # nothing was sent
    details = dict(
        conn.execute(
            "SELECT webhook_id, last_detail FROM webhook_delivery WHERE webhook_id = ANY(%s)",
            (list(ids.values()),),
        ).fetchall()
    )
    assert {kind: details[ids[kind]] for kind in urls} == {
        "loopback": "refused: 127.0.0.1 is a loopback address; "
        "must be https:// (plain http only to localhost, in development setups)",
        "private": "refused: 10.0.0.5 is a private address",
        "metadata": "refused: 169.254.169.254 is a link-local address",
        "decimal": "refused: 2130706433 is a numeric host: write IPv4 addresses as four decimal numbers",
        "mapped": "refused: ::ffff:127.0.0.1 is a loopback address",
        "name": "refused: localhost resolves to a loopback address",
    }
    # The same loopback row is delivered once the development setting is on (after the backoff).
    later = _push(conn, now=datetime.now(UTC) + RETRY.cap, egress=DEV)
    assert later.delivered == 1 and len(receiver.received) == 1


# -- A revoked or expired key's subscriptions stop pushing. ----------------------------------------------------


def test_a_revoked_keys_subscriptions_get_nothing_and_are_not_listed(dev_client, world, conn, receiver):
    key = create_center_key(conn, center_id=world.center_a, label="integration")
    doomed = _subscribe(dev_client, world.center_a, key, _url(receiver, "/doomed"))
    kept = _subscribe(dev_client, world.center_a, world.key_a, _url(receiver, "/kept"))
    waiting = _new_suggestion(conn, world, center="a")  # enqueued for both while the key stands
    revoke(conn, prefix=key)
    after = _new_suggestion(conn, world, center="a")
    enqueued = conn.execute(
        "SELECT webhook_id, array_agg(suggestion_id ORDER BY suggestion_id) FROM webhook_delivery GROUP BY 1"
    ).fetchall()
    assert dict(enqueued) == {doomed["id"]: [waiting], kept["id"]: [waiting, after]}
    report = _push(conn)
    assert report.delivered == 2 and {body["path"] for _, body in receiver.received} == {"/kept"}
    listed = dev_client.get(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)
    ).json()
    assert [item["id"] for item in listed["items"]] == [kept["id"]]


def test_an_expired_keys_subscriptions_get_nothing(dev_client, world, conn, receiver):
    key = create_center_key(conn, center_id=world.center_a, label="expiring")
    sub = _subscribe(dev_client, world.center_a, key, _url(receiver))
    waiting = _new_suggestion(conn, world, center="a")
    conn.execute(
        "UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = "
        "(SELECT created_by_key FROM center_webhook WHERE id = %s)",
        (sub["id"],),
    )
    _new_suggestion(conn, world, center="a")
    rows = conn.execute(
        "SELECT suggestion_id FROM webhook_delivery WHERE webhook_id = %s", (sub["id"],)
    ).fetchall()
    assert rows == [(waiting,)]  # enqueued before the expiry; nothing after
    assert _push(conn).delivered == 0 and receiver.calls == 0
    listed = dev_client.get(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)
    ).json()
    assert listed == {"items": []}
    # It no longer counts towards the cap either: the center can register ten live ones again.
    for i in range(10):
        _subscribe(dev_client, world.center_a, world.key_a, f"https://x.example.com/{i}")


def test_a_rotated_keys_subscriptions_move_to_the_new_key_and_keep_delivering(
    dev_client, world, conn, receiver
):
    key = create_center_key(conn, center_id=world.center_a, label="rotating")
    sub = _subscribe(dev_client, world.center_a, key, _url(receiver))
    rotation = rotate(conn, prefix=display_prefix(key), grace=timedelta(0))  # the old key stops at once
    owner = conn.execute("SELECT created_by_key FROM center_webhook WHERE id = %s", (sub["id"],)).fetchone()[
        0
    ]
    new_key = conn.execute("SELECT id FROM api_key WHERE prefix = %s", (display_prefix(rotation.secret),))
    assert owner == new_key.fetchone()[0]
    _new_suggestion(conn, world, center="a")
    assert _push(conn).delivered == 1 and len(receiver.received) == 1
