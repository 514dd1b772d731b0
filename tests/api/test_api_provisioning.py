"""/v1/admin/vehicles/{vin}/mqtt-credentials against a real broker: admin keys only, the password answered once and
usable at once, 4xx for VINs it cannot act on, 503 (never 500) when the broker cannot be used."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.settings import ApiOptions, ApiSettings
from core.settings import DatabaseSettings, LogSettings, ProvisioningSettings
from tests.dynsec_broker import (
    INGEST_PASSWORD,
    TOPIC_ROOT,
    SecuredBroker,
    connect_peer,
    free_port,
    running_secured_broker,
    wait_for,
)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    with running_secured_broker(tmp_path_factory.mktemp("api-provisioning-mosquitto")) as b:
        yield b


@pytest.fixture
def api(broker: SecuredBroker, database: DatabaseSettings) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**provisioning: object) -> TestClient:
        prov = broker.provisioner().settings.model_copy(update=provisioning)
        assert isinstance(prov, ProvisioningSettings)
        settings = ApiSettings(
            database=database,
            mqtt=broker.mqtt(),
            log=LogSettings(level="WARNING"),
            api=ApiOptions(cookie_secure=False, feed_cache=False),
            provisioning=prov,
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _url(vin: str) -> str:
    return f"/v1/admin/vehicles/{vin}/mqtt-credentials"


def test_only_admin_keys_may_issue_or_withdraw_credentials(api, world):
    client = api()
    for method in ("POST", "DELETE"):
        assert client.request(method, _url(world.vin_a)).status_code == 401
        resp = client.request(method, _url(world.vin_a), headers=_bearer(world.key_a))
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden", resp.text
        resp = client.request(method, _url(world.vin_a), headers=_bearer(world.owner_a))
        assert resp.status_code == 401, resp.text


def test_issued_credentials_work_at_once_and_rotation_and_revocation_take_effect(api, world, broker):
    client, admin = api(), _bearer(world.admin_key)
    ingester = connect_peer(broker.port, "carecast-ingest", INGEST_PASSWORD)
    try:
        assert ingester.subscribe(f"{TOPIC_ROOT}/+/telemetry").value == 1
        resp = client.post(_url(world.vin_a), headers=admin)
        assert resp.status_code == 201, resp.text
        assert resp.headers["cache-control"] == "no-store"
        first = resp.json()
        assert first["rotated"] is False and first["username"] == first["client_id"] == world.vin_a
        assert first["topic"] == f"{TOPIC_ROOT}/{world.vin_a}/telemetry"
        car = connect_peer(first["broker_port"], first["username"], first["password"], ca=broker.ca)
        try:
            payload = uuid.uuid4().hex.encode()
            car.publish(first["topic"], payload)
            wait_for(lambda: (first["topic"], payload) in ingester.received, what="the car's telemetry")
        finally:
            car.close()

        second = client.post(_url(world.vin_a), headers=admin).json()
        assert second["rotated"] is True and second["password"] != first["password"]
        for password, refused in ((first["password"], True), (second["password"], False)):
            peer = connect_peer(broker.port, world.vin_a, password)
            peer.close()
            assert peer.connack[0].is_failure is refused

        resp = client.delete(_url(world.vin_a), headers=admin)
        assert resp.status_code == 200 and resp.json()["status"] == "revoked", resp.text
        peer = connect_peer(broker.port, world.vin_a, second["password"])
        peer.close()
        assert peer.connack[0].is_failure

        resp = client.delete(_url(world.vin_a) + "?deprovision=true", headers=admin)
        assert resp.json() == {"vin": world.vin_a, "status": "deprovisioned", "revoked_at": None}
        resp = client.delete(_url(world.vin_a), headers=admin)
        assert resp.status_code == 404 and "no broker credentials" in resp.json()["error"]["message"]
    finally:
        ingester.close()


def test_vins_it_cannot_act_on_are_4xx_with_a_message(api, world):
    client, admin = api(), _bearer(world.admin_key)
    resp = client.post(_url("LB1WA5884A8008781"), headers=admin)
    assert resp.status_code == 404, resp.text
    assert (
        resp.json()["error"]["message"] == "LB1WA5884A8008781 is not a registered vehicle; register it first"
    )
    for bad in ("NOT-A-VIN", "LSVAU2180N218329O"):
        resp = client.post(_url(bad), headers=admin)
        assert resp.status_code == 422, resp.text


@pytest.mark.parametrize(
    "setting, message",
    [
        ({"port": "free"}, "cannot reach the MQTT broker"),
        ({"password": SecretStr("wrong")}, "refused the provisioning account"),
        ({"password": None}, "CARECAST_PROVISIONING__PASSWORD is not set"),
    ],
)
def test_a_broker_it_cannot_use_is_503_with_the_reason(api, world, setting, message):
    if setting.get("port") == "free":
        setting = {"port": free_port()}
    client = api(**setting)
    for method in ("POST", "DELETE"):
        resp = client.request(method, _url(world.vin_a), headers=_bearer(world.admin_key))
        if method == "DELETE" and resp.status_code == 404:
            continue  # nothing to revoke: answered before the broker is needed
        assert resp.status_code == 503, resp.text
        assert resp.json()["error"]["code"] == "broker_unavailable"
        assert message in resp.json()["error"]["message"]
