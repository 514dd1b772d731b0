"""Center events pushed to webhooks end to end: every state change a dealer system acts on (offers accepted,
declined, expired; case stages incl. "work started"; negative feedback and its resolution; outreach outcomes)
reaches a real local receiver signed with the subscription's secret; a ping reaches only the subscription pinged;
a rotated secret signs alongside the old one during the grace period, alone after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core import bookings
from domain.events import EventType
from notify.push import HttpPoster, deliver_pushes
from notify.signing import RetryPolicy, verify
from tests.api.conftest import BASE, surveyed
from tests.api.webhooks import DEV, LOG, bearer, dev_client, receiver

# dev_client and receiver are fixtures (tests/api/webhooks.py): named here so pytest finds them
__all__ = ["dev_client", "receiver"]


def _push(conn) -> int:
    poster = HttpPoster(egress=DEV, timeout_s=5)
    report = deliver_pushes(conn, poster=poster, now=datetime.now(UTC), retry=RetryPolicy(), log=LOG)
    assert report.retrying == report.dead == 0
    return report.delivered


def _subscribe(client, world, url: str) -> dict:
    answer = client.post(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a), json={"url": url}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _signed(headers: dict, body: dict, secret: str) -> bool:
    ts = int(headers["X-Carecast-Timestamp"])
    return verify(secret.encode(), timestamp=ts, body=body["raw"], header=headers["X-Carecast-Signature"])


def test_every_event_type_is_delivered_signed(dev_client, world, conn, receiver):
    hook = _subscribe(dev_client, world, receiver.url("/hook"))
    other = _subscribe(dev_client, world, receiver.url("/other"))
    center = f"/v1/service-centers/{world.center_a}"
    first, _, _, brakes_1, brakes_2 = world.suggestions_a
    # accept (the risk's other offers expire), decline, expire; the visit through all its stages; survey
    assert (
        dev_client.post(f"{center}/bookings/{brakes_1}/decline", headers=bearer(world.key_a)).status_code
        == 200
    )
    # The world's slots lie in the past: expire as of the world's own time, when only this one is overdue.
    conn.execute(
        "UPDATE booking_suggestion SET expires_at = %s WHERE id = %s", (BASE - timedelta(hours=1), brakes_2)
    )
    assert bookings.expire(conn, now=BASE) == 1
    url, answers = surveyed(dev_client, world, conn)  # accepts `first`, checks in, starts, completes
    # the owner module's move of an accepted visit (the advisor page's reschedule runs it before check-in)
    start, end = conn.execute(
        "SELECT slot_start, slot_end FROM booking_suggestion WHERE id = %s", (first,)
    ).fetchone()
    bookings.reschedule(
        conn,
        booking_id=first,
        slot_start=start + timedelta(days=30),
        slot_end=end + timedelta(days=30),
        now=BASE,
    )
    answers[next(q for q in answers if isinstance(answers[q], int))] = 2
    assert dev_client.post(url, headers=bearer(world.owner_a), json={"answers": answers}).status_code == 200
    alert = conn.execute("SELECT id FROM feedback_alert").fetchone()[0]
    for body in (
        {"action": "acknowledge"},
        {"action": "contact"},
        {"action": "resolve", "resolution": "apology"},
    ):
        step = dev_client.post(
            f"{center}/feedback-alerts/{alert}/steps", headers=bearer(world.key_a), json=body
        )
        assert step.status_code == 200, step.text
    task = conn.execute(
        "INSERT INTO center_feed_item (center_id, kind, vehicle_id, reason, created_at) "
        "VALUES (%s, 'outreach', %s, 'no_visit', now()) RETURNING id",
        (world.center_a, world.vehicle_a),
    ).fetchone()[0]
    closed = dev_client.post(
        f"{center}/outreach/{task}/outcome", headers=bearer(world.key_a), json={"outcome": "unreachable"}
    )
    assert closed.status_code == 200
    ping = dev_client.post(f"{center}/webhooks/{hook['id']}/ping", headers=bearer(world.key_a))
    assert ping.status_code == 202

    assert _push(conn) > 0
    assert _push(conn) == 0  # nothing twice
    by_path: dict[str, list[tuple[dict, dict]]] = {"/hook": [], "/other": []}
    for headers, body in receiver.received:
        by_path[body["path"]].append((headers, body))
    secrets = {"/hook": hook["secret"], "/other": other["secret"]}
    for path, received in by_path.items():
        for headers, body in received:
            assert _signed(headers, body, secrets[path])
            assert (
                headers["X-Carecast-Event"] == body["type"]
                and headers["X-Carecast-Event-Id"] == body["event_id"]
            )
            assert body["center_id"] == world.center_a and body["created_at"].endswith("Z")
    types = [b["type"] for _, b in by_path["/hook"]]
    assert set(EventType) <= set(types)
    assert EventType.WEBHOOK_PING not in {
        b["type"] for _, b in by_path["/other"]
    }  # the ping went to one only
    # The same event carries the same id to every subscription of the center.
    assert {b["event_id"] for _, b in by_path["/hook"] if b["type"] != "webhook.ping"} == {
        b["event_id"] for _, b in by_path["/other"]
    }

    def data(kind: str) -> list[dict]:
        return [b["data"] for _, b in by_path["/hook"] if b["type"] == kind]

    assert [d["booking_id"] for d in data("offer.accepted")] == [first]
    assert [d["booking_id"] for d in data("offer.declined")] == [brakes_1]
    assert sorted(d["booking_id"] for d in data("offer.expired")) == sorted(
        [*world.suggestions_a[1:3], brakes_2]
    )
    stages = [(d["stage"], d["work_started_at"] is not None) for d in data("case.stage_changed")]
    assert stages == [("booked", False), ("checked_in", False), ("checked_in", True), ("serviced", True)]
    assert [d["resolution"] for d in data("feedback.resolved")] == ["apology"]
    assert [(d["task_id"], d["outcome"]) for d in data("outreach.outcome")] == [(task, "unreachable")]
    assert [d["webhook_id"] for d in data("webhook.ping")] == [hook["id"]]


def test_ping_is_scoped_and_rotation_signs_with_both_secrets_during_the_grace_period(
    dev_client, world, conn, receiver
):
    hook = _subscribe(dev_client, world, receiver.url("/hook"))
    center = f"/v1/service-centers/{world.center_a}"
    assert (
        dev_client.post(f"{center}/webhooks/{hook['id']}/ping", headers=bearer(world.key_b)).status_code
        == 403
    )
    assert dev_client.post(f"{center}/webhooks/999/ping", headers=bearer(world.key_a)).status_code == 404
    too_long = dev_client.post(
        f"{center}/webhooks/{hook['id']}/rotate-secret",
        headers=bearer(world.key_a),
        json={"grace_hours": 1000},
    )
    assert too_long.status_code == 422

    rotated = dev_client.post(
        f"{center}/webhooks/{hook['id']}/rotate-secret", headers=bearer(world.key_a), json={"grace_hours": 2}
    ).json()
    new, old = rotated["secret"], hook["secret"]
    assert new != old and new.startswith("whsec_") and rotated["previous_secret_until"]
    listed = dev_client.get(f"{center}/webhooks", headers=bearer(world.key_a)).json()["items"]
    assert "secret" not in listed[0] and new.startswith(listed[0]["secret_hint"].rstrip("…"))
    assert (
        dev_client.post(f"{center}/webhooks/{hook['id']}/ping", headers=bearer(world.key_a)).status_code
        == 202
    )
    assert _push(conn) == 1
    headers, body = receiver.received[-1]
    assert body["type"] == "webhook.ping" and headers["X-Carecast-Signature"].count("sha256=") == 2
    assert _signed(headers, body, new) and _signed(headers, body, old)
    first_value = headers["X-Carecast-Signature"].split(", ")[0]  # the new secret's signature comes first
    ts = int(headers["X-Carecast-Timestamp"])
    assert verify(new.encode(), timestamp=ts, body=body["raw"], header=first_value)
    assert not verify(old.encode(), timestamp=ts, body=body["raw"], header=first_value)

    # Once the grace period is over (here: a rotation without one), only the newest secret signs.
    newest = dev_client.post(
        f"{center}/webhooks/{hook['id']}/rotate-secret", headers=bearer(world.key_a), json={"grace_hours": 0}
    ).json()
    assert newest["previous_secret_until"] is None
    dev_client.post(f"{center}/webhooks/{hook['id']}/ping", headers=bearer(world.key_a))
    assert _push(conn) == 1
    headers, body = receiver.received[-1]
    assert _signed(headers, body, newest["secret"]) and not _signed(headers, body, new)
    conn.execute(
        "UPDATE center_webhook SET previous_secret = %s, previous_secret_until = %s",
        (new, datetime.now(UTC) - timedelta(minutes=1)),
    )
    dev_client.post(f"{center}/webhooks/{hook['id']}/ping", headers=bearer(world.key_a))
    assert _push(conn) == 1
    headers, body = receiver.received[-1]
    assert not _signed(headers, body, new)  # an expired grace period adds nothing
