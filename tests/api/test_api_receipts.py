"""Provider callbacks through the API on the real database (docs/messages.md): signed delivery receipts recorded
on the delivery, signed inbound SMS on the center's feed; unsigned, forged or stale callbacks refused."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiOptions, ApiSettings
from core.log import LogSettings
from core.messaging import MessagingSettings, callback_signature
from tests.api.conftest import BASE

SECRET = b"test-callback-secret"


@pytest.fixture
def callbacks(database) -> Iterator[TestClient]:
    settings = ApiSettings(
        database=database,
        log=LogSettings(level="WARNING"),
        api=ApiOptions(cookie_secure=False),
        messages=MessagingSettings(callback_secret=SECRET.decode()),
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _post(client: TestClient, url: str, payload: dict, *, secret: bytes = SECRET, age_s: int = 0):
    body = json.dumps(payload).encode()
    ts = int(time.time()) - age_s
    headers = {
        "Content-Type": "application/json",
        "X-Carecast-Timestamp": str(ts),
        "X-Carecast-Signature": callback_signature(secret, timestamp=ts, body=body),
    }
    return client.post(url, content=body, headers=headers)


def _sms_delivery(conn, customer_id: int) -> str:
    dispatch = conn.execute(
        "INSERT INTO care_dispatch (customer_id, locale, subject, body, created_at) "
        "VALUES (%s, 'zh-CN', 's', 'b', %s) RETURNING id",
        (customer_id, BASE),
    ).fetchone()[0]
    return conn.execute(
        "INSERT INTO care_delivery (dispatch_id, channel, target, status, next_attempt_at, delivered_at) "
        "VALUES (%s, 'sms', '+8613800138000', 'delivered', %s, %s) RETURNING delivery_key::text",
        (dispatch, BASE, BASE),
    ).fetchone()[0]


def test_signed_receipt_is_recorded_and_an_older_one_does_not_overwrite(callbacks, world, conn) -> None:
    key = _sms_delivery(conn, world.customer_a)
    read = {"delivery_id": key, "status": "read", "at": "2026-11-20T03:00:00Z", "provider_ref": "gw-77"}
    ok = _post(callbacks, "/v1/receipts/sms", read)
    assert (ok.status_code, ok.json()) == (200, {"delivery_id": key, "status": "read"})
    late = _post(callbacks, "/v1/receipts/sms", {"delivery_id": key, "status": "delivered",
                                                  "at": "2026-11-20T02:00:00Z"})  # fmt: skip
    assert late.status_code == 200
    row = conn.execute(
        "SELECT receipt_status, receipt_at, provider_ref FROM care_delivery WHERE delivery_key = %s::uuid",
        (key,),
    ).fetchone()
    assert (row[0], row[1].isoformat(), row[2]) == ("read", "2026-11-20T03:00:00+00:00", "gw-77")
    # the wrong channel, an unknown delivery
    assert _post(callbacks, "/v1/receipts/wechat", read).status_code == 404
    unknown = {**read, "delivery_id": "00000000-0000-4000-8000-000000000000"}
    assert _post(callbacks, "/v1/receipts/sms", unknown).status_code == 404


def test_unsigned_forged_or_stale_callbacks_are_refused(callbacks, world, conn) -> None:
    key = _sms_delivery(conn, world.customer_a)
    payload = {"delivery_id": key, "status": "delivered"}
    assert callbacks.post("/v1/receipts/sms", json=payload).status_code == 401
    assert _post(callbacks, "/v1/receipts/sms", payload, secret=b"guess").status_code == 401
    assert _post(callbacks, "/v1/receipts/sms", payload, age_s=3600).status_code == 401
    assert conn.execute("SELECT receipt_status FROM care_delivery").fetchone()[0] is None


def test_callbacks_are_off_without_a_secret(client, world) -> None:
    off = _post(client, "/v1/receipts/sms", {"delivery_id": "x", "status": "read"})
    assert (off.status_code, off.json()["error"]["code"]) == (404, "callbacks_disabled")


def test_inbound_sms_reaches_the_center_of_the_latest_open_case(callbacks, world, conn) -> None:
    conn.execute(
        "UPDATE customer SET channels = %s WHERE id = %s",
        (json.dumps({"phone": "+86 138-0013-8000"}), world.customer_a),
    )
    conn.execute(
        "INSERT INTO care_case (risk_id, vehicle_id, stage, updated_at) VALUES (%s, %s, 'notified', %s)",
        (world.risk_a, world.vehicle_a, BASE),
    )
    sms = {"from": "+8613800138000", "text": "明天下午能来吗", "message_id": "gw-in-1"}
    first = _post(callbacks, "/v1/inbound/sms", sms)
    assert (first.status_code, first.json()) == (200, {"stored": True, "center_id": world.center_a})
    assert _post(callbacks, "/v1/inbound/sms", sms).json()["stored"] is False  # a retried callback
    feed = callbacks.get(f"/v1/service-centers/{world.center_a}/feed",
                         headers={"Authorization": f"Bearer {world.key_a}"}).json()["items"]  # fmt: skip
    replies = [i for i in feed if i["kind"] == "owner_reply"]
    assert [(i["reason"], i["risk_id"], i["detail"]["text"]) for i in replies] == [
        ("sms_reply", world.risk_a, "明天下午能来吗")
    ]
    stranger = {"from": "+8613999999999", "text": "hi", "message_id": "gw-in-2"}
    assert _post(callbacks, "/v1/inbound/sms", stranger).status_code == 404
