"""The production Mosquitto config (deploy/mosquitto/) for real: dynamic-security accounts and per-vehicle ACLs."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest
import yaml

from core.contracts import telemetry_subscription, telemetry_topic
from core.log import configure_logging
from core.provisioning import vehicle_commands
from core.settings import LogSettings, MqttSettings
from ingest.service import Ingester
from ingest.settings import IngestSettings, IngestTuning
from tests.dynsec_broker import Peer, SecuredBroker, connect_peer, free_port, start_secured_broker, wait_for

ROOT = Path(__file__).resolve().parents[2]
TOPIC_ROOT = "dt/carecast"  # the roles are made for the default topic root
VIN_A, VIN_B = "LSVAU2180N2183294", "LFV3A23C8L3045671"
ACCOUNTS = {VIN_A: "pw-a", VIN_B: "pw-b", "carecast-ingest": "pw-ingest", "carecast-ingest-2": "pw-ingest-2"}


@pytest.fixture(scope="module")
def secured_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    """A private Mosquitto running deploy/mosquitto/mosquitto.conf, bootstrapped as deploy/README.md says: the
    dynamic-security admin, the ingester accounts (a second one, as every instance has its own), then two cars
    provisioned with the commands `carecast vehicles provision` sends."""
    broker = start_secured_broker(
        tmp_path_factory.mktemp("secured-mosquitto"),
        service_accounts=[
            (user, ACCOUNTS[user], "carecast-ingest") for user in ("carecast-ingest", "carecast-ingest-2")
        ],
    )
    try:
        provisioner = broker.provisioner()
        with provisioner.session() as admin:
            for vin in (VIN_A, VIN_B):
                replies = admin.run(vehicle_commands(provisioner.account(vin), ACCOUNTS[vin]))
                assert [r.error for r in replies[2:]] == [None, None], replies
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="module")
def broker(secured_broker: SecuredBroker) -> int:
    """The plain (internal) port of the secured broker."""
    return secured_broker.port


@pytest.fixture
def connect(broker: int) -> Iterator:
    peers: list[Peer] = []

    def _connect(user: str | None, password: str | None = None, *, expect_ok: bool = True) -> Peer:
        peer = connect_peer(broker, user, password)
        peers.append(peer)
        if expect_ok:
            assert not peer.connack[0].is_failure, f"{user} refused: {peer.connack[0]}"
        return peer

    yield _connect
    for peer in peers:
        peer.close()


@pytest.mark.parametrize(
    "subscription",
    [telemetry_subscription(TOPIC_ROOT), "$share/carecast/" + telemetry_subscription(TOPIC_ROOT)],
)
def test_vehicle_publishes_its_own_topic_and_the_ingester_receives_it(connect, subscription):
    ingester = connect("carecast-ingest", ACCOUNTS["carecast-ingest"])
    assert ingester.subscribe(subscription).value == 1  # granted QoS 1
    vehicle = connect(VIN_A, ACCOUNTS[VIN_A])
    payload = uuid.uuid4().hex.encode()
    vehicle.publish(telemetry_topic(TOPIC_ROOT, VIN_A), payload)
    wait_for(lambda: (telemetry_topic(TOPIC_ROOT, VIN_A), payload) in ingester.received, what="the telemetry")


def test_vehicle_cannot_publish_for_another_vehicle(connect):
    ingester = connect("carecast-ingest", ACCOUNTS["carecast-ingest"])
    assert ingester.subscribe(telemetry_subscription(TOPIC_ROOT)).value == 1
    forbidden, marker = b"forged-" + uuid.uuid4().hex.encode(), b"marker-" + uuid.uuid4().hex.encode()
    # MQTT 3.1.1 has no "not authorized" PUBACK: Mosquitto acks, drops the message and may then close that
    # connection, so the marker goes out on a second connection of the same vehicle once the first is acked.
    connect(VIN_A, ACCOUNTS[VIN_A]).publish(telemetry_topic(TOPIC_ROOT, VIN_B), forbidden)
    connect(VIN_A, ACCOUNTS[VIN_A]).publish(telemetry_topic(TOPIC_ROOT, VIN_A), marker)
    wait_for(lambda: any(p == marker for _, p in ingester.received), what="the marker message")
    assert all(p != forbidden for _, p in ingester.received)


def test_vehicle_cannot_read_fleet_telemetry(connect):
    ingester = connect("carecast-ingest", ACCOUNTS["carecast-ingest"])
    assert ingester.subscribe(telemetry_subscription(TOPIC_ROOT)).value == 1
    snoop = connect(VIN_B, ACCOUNTS[VIN_B])
    snoop.subscribe(telemetry_subscription(TOPIC_ROOT))  # Mosquitto grants it, then filters every delivery
    payload = uuid.uuid4().hex.encode()
    connect(VIN_A, ACCOUNTS[VIN_A]).publish(telemetry_topic(TOPIC_ROOT, VIN_A), payload)
    wait_for(lambda: any(p == payload for _, p in ingester.received), what="the telemetry at the ingester")
    # The broker answers in order on one connection: a delivery to the snoop would precede this PUBACK.
    snoop.publish(telemetry_topic(TOPIC_ROOT, VIN_B), b"round-trip")
    assert snoop.received == []


def test_ingester_account_cannot_publish(connect):
    ingester = connect("carecast-ingest", ACCOUNTS["carecast-ingest"])
    assert ingester.subscribe(telemetry_subscription(TOPIC_ROOT)).value == 1
    forged, marker = b"forged-" + uuid.uuid4().hex.encode(), b"marker-" + uuid.uuid4().hex.encode()
    # A second connection: Mosquitto 2.0 may close a connection right after acking a denied PUBLISH.
    connect("carecast-ingest-2", ACCOUNTS["carecast-ingest-2"]).publish(
        telemetry_topic(TOPIC_ROOT, VIN_A), forged
    )
    connect(VIN_B, ACCOUNTS[VIN_B]).publish(telemetry_topic(TOPIC_ROOT, VIN_B), marker)
    wait_for(lambda: any(p == marker for _, p in ingester.received), what="the marker message")
    assert all(p != forged for _, p in ingester.received)


@pytest.mark.parametrize("user, password", [(None, None), (VIN_A, "wrong"), ("LB1WA5884A8008781", "pw-a")])
def test_unknown_or_anonymous_clients_are_refused(connect, user, password):
    peer = connect(user, password, expect_ok=False)
    assert peer.connack[0].is_failure
    assert peer.connack[0].getName() in ("Not authorized", "Bad user name or password")


def test_only_the_ingester_account_writes_ingester_status(connect):
    status = f"{TOPIC_ROOT}/ingest/carecast-ingest-1/status"
    watcher = connect("carecast-ingest", ACCOUNTS["carecast-ingest"])
    assert watcher.subscribe(status).value == 1
    # A second connection for each publish: Mosquitto 2.0 may close a connection after a denied PUBLISH.
    connect(VIN_A, ACCOUNTS[VIN_A]).publish(status, b"forged-online")
    connect("carecast-ingest-2", ACCOUNTS["carecast-ingest-2"]).publish(status, b"online")
    wait_for(lambda: any(p == b"online" for _, p in watcher.received), what="the ingester's own status")
    assert all(p != b"forged-online" for _, p in watcher.received)


def _add_vehicle(conn, vin: str) -> None:
    customer = conn.execute(
        "INSERT INTO customer (name, locale, tz, segment) VALUES ('Owner', 'en', 'Asia/Shanghai', 'family')"
        " RETURNING id"
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region)"
        " VALUES (%s, %s, 'Model T', 2022, 'EV', 'harbin')",
        (vin, customer),
    )


def test_a_vehicle_using_the_ingester_client_id_cannot_disturb_it(secured_broker, database, conn, connect):
    """A car logging in with its own password and the ingester's (public) client id once kicked the ingester off
    again and again and wiped its persistent session: 0 of 200 acknowledged messages were stored."""
    _add_vehicle(conn, VIN_A)
    settings = IngestSettings(
        database=database,
        mqtt=MqttSettings(
            host="127.0.0.1",
            port=secured_broker.port,
            username="carecast-ingest",
            password=ACCOUNTS["carecast-ingest"],
            topic_root=TOPIC_ROOT,
        ),
        ingest=IngestTuning(client_id="carecast-ingest", batch_ms=50, reject_retention_days=0),
        log=LogSettings(level="WARNING", format="console"),
    )
    ingester = Ingester(settings, log=configure_logging(settings.log, process="ingest-test"))
    ingester.start()
    try:
        assert ingester.subscribed.wait(10), "the ingester did not subscribe"
        car = connect(VIN_A, ACCOUNTS[VIN_A])
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        for n in range(200):
            # The attack: the other car takes the ingester's id with a clean session, five times over.
            if n % 40 == 0:
                hijacker = mqtt.Client(
                    mqtt.CallbackAPIVersion.VERSION2, client_id="carecast-ingest", protocol=mqtt.MQTTv311
                )
                hijacker.username_pw_set(VIN_B, ACCOUNTS[VIN_B])
                assert hijacker.connect("127.0.0.1", secured_broker.port) == 0
                hijacker.loop(timeout=1.0)  # reads the CONNACK: the broker let it in, as VIN_B
                hijacker.disconnect()
            sample = {
                "ts": (start + timedelta(seconds=n)).isoformat(),
                "signals": {"Vehicle.Speed": float(n)},
            }
            car.publish(
                telemetry_topic(TOPIC_ROOT, VIN_A),
                orjson.dumps({"v": 1, "vin": VIN_A, "samples": [sample]}),
            )
        wait_for(
            lambda: conn.execute("SELECT count(*) FROM telemetry").fetchone()[0] == 200,
            timeout=20,
            what="all 200 acknowledged messages stored",
        )
        assert ingester.counters.received == 200
        assert "carecast-ingest already connected" not in secured_broker.log.read_text()
    finally:
        assert ingester.stop(timeout=15)


def test_vehicles_connect_over_tls_and_plain_mqtt_is_refused_on_the_tls_port(secured_broker, connect):
    ingester = connect("carecast-ingest", ACCOUNTS["carecast-ingest"])
    assert ingester.subscribe(telemetry_subscription(TOPIC_ROOT)).value == 1
    car = connect_peer(secured_broker.tls_port, VIN_A, ACCOUNTS[VIN_A], ca=secured_broker.ca)
    try:
        assert not car.connack[0].is_failure
        payload = uuid.uuid4().hex.encode()
        car.publish(telemetry_topic(TOPIC_ROOT, VIN_A), payload)
        wait_for(lambda: any(p == payload for _, p in ingester.received), what="the telemetry sent over TLS")
    finally:
        car.close()
    plain = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    plain.username_pw_set(VIN_A, ACCOUNTS[VIN_A])
    with pytest.raises((OSError, mqtt.WebsocketConnectionError)):  # the TLS listener drops a plain CONNECT
        plain.connect("127.0.0.1", secured_broker.tls_port, keepalive=5)
        for _ in range(50):
            if plain.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS:
                raise ConnectionError("closed by the TLS listener")
    assert not plain.is_connected()


def test_the_broker_drops_payloads_over_the_contract_limit(connect):
    ingester = connect("carecast-ingest", ACCOUNTS["carecast-ingest"])
    assert ingester.subscribe(telemetry_subscription(TOPIC_ROOT)).value == 1
    car = connect(VIN_A, ACCOUNTS[VIN_A])
    too_large, largest = b"x" * (262144 + 1), b"y" * 262144
    car.publish(telemetry_topic(TOPIC_ROOT, VIN_A), too_large)
    car.publish(telemetry_topic(TOPIC_ROOT, VIN_A), largest)
    wait_for(lambda: any(p == largest for _, p in ingester.received), what="the largest allowed payload")
    assert all(p != too_large for _, p in ingester.received)


def test_the_compose_health_check_tells_a_running_broker_from_a_dead_one(secured_broker: SecuredBroker):
    """docker-compose.yml's check on the mosquitto service, run as the container runs it: refused as anonymous
    ("not authorised") means the broker is up; nothing listening means it is not."""
    sub = shutil.which("mosquitto_sub")
    if sub is None:
        pytest.skip("mosquitto_sub is not installed here (apt-get install mosquitto-clients)")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    kind, command = compose["services"]["mosquitto"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL" and "-p 1883 " in command
    command = command.replace("$$", "$")  # compose's escape for a literal $

    def check(port: int) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["sh", "-c", command.replace("-p 1883 ", f"-p {port} ")], capture_output=True, timeout=30
        )

    up = check(secured_broker.port)
    assert up.returncode == 0, up.stderr
    assert check(free_port()).returncode != 0
