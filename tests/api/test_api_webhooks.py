"""Webhook push per center, end to end: register through the API, a suggestion is written, notify's push job
POSTs it to a real local HTTP receiver, signed with the subscription's secret, retried after a 500, and a center
never receives another center's suggestions; a revoked or expired key's subscriptions stop pushing.

The receiver listens on 127.0.0.1, which is refused by default (core/egress.py): the tests that deliver to it turn
the development setting on (`dev_client`, `DEV`). What the egress policy refuses, at registration and at delivery:
test_api_webhooks_egress.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.auth.credentials import display_prefix
from api.auth.key_store import create_center_key, revoke, rotate
from notify.signing import verify
from tests.api.webhooks import (
    RETRY,
    bearer,
    dev_client,
    hook_url,
    new_suggestion,
    push,
    receiver,
    subscribe,
)

# dev_client and receiver are fixtures (tests/api/webhooks.py): named here so pytest finds them
__all__ = ["dev_client", "receiver"]


def test_register_shows_the_secret_once_and_lists_without_it(client, world):
    created = subscribe(client, world.center_a, world.key_a, "https://dms.example.com/hooks", "DMS")
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
        subscribe(client, world.center_a, world.key_a, f"https://x.example.com/{i}")
    resp = client.post(path, headers=bearer(world.key_a), json={"url": "https://x.example.com/10"})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "too_many_webhooks"


def test_webhooks_are_scoped_to_the_keys_center(client, world):
    mine = subscribe(client, world.center_a, world.key_a, "https://a.example.com/hooks")
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
    before = new_suggestion(conn, world, center="a")  # created before subscribing: not pushed
    sub_a = subscribe(dev_client, world.center_a, world.key_a, hook_url(receiver, "/a"))
    sub_b = subscribe(dev_client, world.center_b, world.key_b, hook_url(receiver, "/b"))
    new_a = new_suggestion(conn, world, center="a")
    new_b = new_suggestion(conn, world, center="b")

    report = push(conn)
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
    assert push(conn).delivered == 0 and len(receiver.received) == 2
    listed = dev_client.get(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)
    ).json()
    assert listed["items"][0]["delivered"] == 1 and listed["items"][0]["last_delivered_at"] is not None


def test_push_retries_after_a_500_with_the_same_event_id(dev_client, world, conn, receiver):
    receiver.fail_first = 1
    subscribe(dev_client, world.center_a, world.key_a, hook_url(receiver))
    suggestion = new_suggestion(conn, world, center="a")
    now = datetime.now(UTC)
    first = push(conn, now=now)
    assert (first.delivered, first.retrying) == (0, 1) and receiver.calls == 1 and not receiver.received
    row = conn.execute(
        "SELECT status, attempts, next_attempt_at, last_detail, event_id::text FROM webhook_delivery"
    ).fetchone()
    assert row[:2] == ("pending", 1) and row[3] == "http 500"
    assert row[2] == now + RETRY.base  # backoff: not due again before then
    assert push(conn, now=now + timedelta(seconds=5)).delivered == 0 and receiver.calls == 1
    second = push(conn, now=now + RETRY.base)
    assert second.delivered == 1
    [(headers, body)] = receiver.received
    assert headers["X-Carecast-Event-Id"] == row[4] == body["event_id"]
    assert body["data"]["id"] == suggestion


def test_a_dead_receiver_is_given_up_after_the_last_retry_and_blocks_no_other_center(
    dev_client, world, conn, receiver
):
    dead_port_url = "http://127.0.0.1:9/unreachable"  # discard port: nothing listens
    subscribe(dev_client, world.center_a, world.key_a, dead_port_url)
    subscribe(dev_client, world.center_b, world.key_b, hook_url(receiver))
    for _ in range(2):
        new_suggestion(conn, world, center="a")
    new_suggestion(conn, world, center="b")
    now = datetime.now(UTC)
    report = push(conn, now=now)
    # One failure of A's endpoint defers A's other push to the next run; B is delivered regardless.
    assert (report.delivered, report.retrying, report.deferred) == (1, 1, 1)
    at = now
    for _ in range(2 * RETRY.max_attempts):  # one attempt at A per run: the other push is deferred
        at += RETRY.cap
        push(conn, now=at)
    statuses = conn.execute(
        "SELECT w.center_id, d.status, d.attempts FROM webhook_delivery d JOIN center_webhook w ON w.id = d.webhook_id"
        " ORDER BY d.id"
    ).fetchall()
    assert [s[1] for s in statuses if s[0] == world.center_a] == ["dead", "dead"]
    assert all(s[2] == RETRY.max_attempts for s in statuses if s[0] == world.center_a)
    assert [s[1] for s in statuses if s[0] == world.center_b] == ["delivered"]


def test_deleting_a_subscription_cancels_its_pending_pushes(dev_client, world, conn, receiver):
    sub = subscribe(dev_client, world.center_a, world.key_a, hook_url(receiver))
    new_suggestion(conn, world, center="a")
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
    new_suggestion(conn, world, center="a")
    assert push(conn).delivered == 0 and receiver.calls == 0
    assert conn.execute("SELECT array_agg(status) FROM webhook_delivery").fetchone()[0] == ["cancelled"]
    listed = dev_client.get(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)
    ).json()
    assert listed == {"items": []}


def test_a_rolled_back_suggestion_is_never_pushed(dev_client, world, conn, receiver):
    subscribe(dev_client, world.center_a, world.key_a, hook_url(receiver))
    with pytest.raises(RuntimeError), conn.transaction():
        new_suggestion(conn, world, center="a")
        raise RuntimeError("notify's transaction fails after writing the suggestion")
    assert conn.execute("SELECT count(*) FROM webhook_delivery").fetchone()[0] == 0
    assert push(conn).delivered == 0 and receiver.calls == 0


# -- A revoked or expired key's subscriptions stop pushing. ----------------------------------------------------


def test_a_revoked_keys_subscriptions_get_nothing_and_are_not_listed(dev_client, world, conn, receiver):
    key = create_center_key(conn, center_id=world.center_a, label="integration")
    doomed = subscribe(dev_client, world.center_a, key, hook_url(receiver, "/doomed"))
    kept = subscribe(dev_client, world.center_a, world.key_a, hook_url(receiver, "/kept"))
    waiting = new_suggestion(conn, world, center="a")  # enqueued for both while the key stands
    revoke(conn, prefix=key)
    after = new_suggestion(conn, world, center="a")
    enqueued = conn.execute(
        "SELECT webhook_id, array_agg(suggestion_id ORDER BY suggestion_id) FROM webhook_delivery GROUP BY 1"
    ).fetchall()
    assert dict(enqueued) == {doomed["id"]: [waiting], kept["id"]: [waiting, after]}
    report = push(conn)
    assert report.delivered == 2 and {body["path"] for _, body in receiver.received} == {"/kept"}
    listed = dev_client.get(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)
    ).json()
    assert [item["id"] for item in listed["items"]] == [kept["id"]]


def test_an_expired_keys_subscriptions_get_nothing(dev_client, world, conn, receiver):
    key = create_center_key(conn, center_id=world.center_a, label="expiring")
    sub = subscribe(dev_client, world.center_a, key, hook_url(receiver))
    waiting = new_suggestion(conn, world, center="a")
    conn.execute(
        "UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = "
        "(SELECT created_by_key FROM center_webhook WHERE id = %s)",
        (sub["id"],),
    )
    new_suggestion(conn, world, center="a")
    rows = conn.execute(
        "SELECT suggestion_id FROM webhook_delivery WHERE webhook_id = %s", (sub["id"],)
    ).fetchall()
    assert rows == [(waiting,)]  # enqueued before the expiry; nothing after
    assert push(conn).delivered == 0 and receiver.calls == 0
    listed = dev_client.get(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a)
    ).json()
    assert listed == {"items": []}
    # It no longer counts towards the cap either: the center can register ten live ones again.
    for i in range(10):
        subscribe(dev_client, world.center_a, world.key_a, f"https://x.example.com/{i}")


def test_a_rotated_keys_subscriptions_move_to_the_new_key_and_keep_delivering(
    dev_client, world, conn, receiver
):
    key = create_center_key(conn, center_id=world.center_a, label="rotating")
    sub = subscribe(dev_client, world.center_a, key, hook_url(receiver))
    rotation = rotate(conn, prefix=display_prefix(key), grace=timedelta(0))  # the old key stops at once
    owner = conn.execute("SELECT created_by_key FROM center_webhook WHERE id = %s", (sub["id"],)).fetchone()[
        0
    ]
    new_key = conn.execute("SELECT id FROM api_key WHERE prefix = %s", (display_prefix(rotation.secret),))
    assert owner == new_key.fetchone()[0]
    new_suggestion(conn, world, center="a")
    assert push(conn).delivered == 1 and len(receiver.received) == 1
