"""The SMS gateway and WeChat / app-push adapters behind the Channel interface, each against a real local HTTP
server through the outbox: per-channel consent, the gateway's API key, the push's signature, the egress policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
import structlog

from core.egress import EgressSettings
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.channels import InAppChannel, SmsChannel, WechatChannel
from notify.job import run_pass
from notify.outbox import run_outbox
from notify.push import HttpPoster
from notify.signing import RetryPolicy, verify
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference
from tests.webhook_receiver import Receiver, serving

LOG = structlog.get_logger()
PUSH_SECRET = b"test-push-secret"


@pytest.fixture
def gateway() -> Iterator[Receiver]:
    with serving(Receiver(fail_first=1)) as server:
        yield server


def _channels(conn, gateway: Receiver, *, loopback: bool = True) -> dict:
    poster = HttpPoster(egress=EgressSettings(allow_loopback=loopback))
    return {
        "in_app": InAppChannel(conn),
        "sms": SmsChannel(url=gateway.url("/sms/send"), api_key="gw-key", sender="Carecast", poster=poster),
        "wechat": WechatChannel(url=gateway.url("/wechat/push"), secret=PUSH_SECRET, poster=poster),
    }


def _contact(conn, customer: int) -> None:
    conn.execute(
        "UPDATE customer SET channels = %s WHERE id = %s",
        (
            json.dumps({"phone": "+86 138 0013 8000", "wechat_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}),
            customer,
        ),
    )


def test_sms_and_wechat_deliver_through_real_http_with_retry(conn, gateway) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123", consent=("in_app", "sms", "wechat"))
    _contact(conn, car["customer"])
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    retry = RetryPolicy(base=timedelta(minutes=1))
    first = run_outbox(conn, channels=_channels(conn, gateway), now=NOW, log=LOG, retry=retry)
    assert (first.delivered, first.retrying) == (2, 1)  # the gateway's first answer is a 503
    second = run_outbox(conn, channels=_channels(conn, gateway), now=NOW + timedelta(minutes=1), log=LOG,
                        retry=retry)  # fmt: skip
    assert second.delivered == 1

    by_path = {body["path"]: (headers, body) for headers, body in gateway.received}
    sms_headers, sms = by_path["/sms/send"]
    assert sms_headers["Authorization"] == "Bearer gw-key"
    assert (sms["to"], sms["from"]) == ("+86 138 0013 8000", "Carecast")
    assert "蓄电池" in sms["text"] and sms_headers["Idempotency-Key"] == sms["client_ref"]
    push_headers, push = by_path["/wechat/push"]
    assert push["openid"] == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" and "蓄电池" in push["title"]
    assert verify(PUSH_SECRET, timestamp=int(push_headers["X-Carecast-Timestamp"]), body=push["raw"],
                  header=push_headers["X-Carecast-Signature"])  # fmt: skip
    keys = dict(conn.execute("SELECT channel, delivery_key::text FROM care_delivery").fetchall())
    assert keys["sms"] == sms["client_ref"] and keys["wechat"] == push["delivery_id"]
    statuses = dict(conn.execute("SELECT channel, status FROM care_delivery").fetchall())
    assert statuses == {"in_app": "delivered", "sms": "delivered", "wechat": "delivered"}


def test_no_consent_no_sms_and_gateway_on_a_private_address_is_refused(conn, gateway) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123", consent=("in_app", "sms"))  # no WeChat consent
    _contact(conn, car["customer"])
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    run_outbox(conn, channels=_channels(conn, gateway, loopback=False), now=NOW, log=LOG)
    rows = dict(conn.execute("SELECT channel, last_error FROM care_delivery").fetchall())
    assert set(rows) == {"in_app", "sms"}  # consent per channel
    assert rows["sms"].startswith("refused") and gateway.received == []  # egress policy: nothing was sent
