"""A clustered broker: what NATS 2.9's MQTT listener gives Carecast's ingest (issue #19, docs/scaling.md).

Measured here: the ingester's MQTT 5 CONNECT is refused, so the lossless path is run with ingest's own decode() and
TelemetryWriter behind an MQTT 3.1.1 subscriber with the ingester's discipline (fixed client id, persistent
session, manual ack after commit). QoS 1, persistent sessions, redelivery of unacked messages after a crash and
retained messages work; `$share/...` is taken as a literal topic (no shared subscriptions) and QoS 2 is refused.
"""

from __future__ import annotations

import queue
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.contracts import telemetry_subscription, telemetry_topic, vin_from_topic
from core.db import connect
from core.settings import DatabaseSettings, MqttSettings
from ingest.decode import Limits, decode
from ingest.mqtt import TelemetrySubscriber
from ingest.settings import IngestSettings
from ingest.vehicles import VehicleResolver
from ingest.writer import Received, TelemetryWriter
from tests.conftest import ROOT, free_port, wait_for
from tests.ingest.test_ingest_no_loss import SAMPLES_PER_MESSAGE, VINS, assert_exactly_once, messages, rows

NATS = shutil.which("nats-server") or "/usr/sbin/nats-server"
pytestmark = pytest.mark.skipif(
    not Path(NATS).exists(), reason="nats-server is not installed (apt-get install nats-server)"
)


@pytest.fixture(scope="module")
def nats_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private NATS server (tests/ingest/nats-mqtt.conf) with its MQTT listener on a free port."""
    workdir = tmp_path_factory.mktemp("nats")
    port = free_port()
    conf = workdir / "nats.conf"
    template = (ROOT / "tests" / "ingest" / "nats-mqtt.conf").read_text()
    conf.write_text(template.replace("@PORT@", str(port)).replace("@DIR@", str(workdir / "js")))
    with open(workdir / "log", "wb") as log:
        proc = subprocess.Popen([NATS, "-c", str(conf)], stdout=log, stderr=log)

    def listening() -> bool:
        assert proc.poll() is None, (workdir / "log").read_text()[-2000:]
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_for(listening, timeout=10, what=f"nats mqtt on port {port}")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def nats_mqtt(nats_port: int) -> MqttSettings:
    return MqttSettings(host="127.0.0.1", port=nats_port, topic_root=f"t{uuid.uuid4().hex[:8]}/dt/carecast")


class Events:
    """Collects the structlog-style events of the real subscriber."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def _add(self, event: str, **fields: Any) -> None:
        self.seen.append((event, fields))

    info = error = warning = exception = _add


class Client:
    """A paho MQTT 3.1.1 client that records what it receives (manual acks when `manual_ack`)."""

    def __init__(
        self, mqtt: MqttSettings, client_id: str, *, clean: bool = True, manual_ack: bool = False
    ) -> None:
        self.inbox: queue.Queue[paho.MQTTMessage] = queue.Queue()
        self.granted: list[list[str]] = []
        self.session_present: bool | None = None
        self.disconnects: list[str] = []
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean, manual_ack=manual_ack
        )
        self.client.on_message = lambda c, u, msg: self.inbox.put(msg)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.granted.append([str(r) for r in codes])
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda c, u, flags, reason, p: self.disconnects.append(str(reason))
        self.client.connect(mqtt.host, mqtt.port)
        self.client.loop_start()
        wait_for(lambda: self.session_present is not None, what=f"{client_id} connected")

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self.session_present = flags.session_present

    def subscribe(self, topic_filter: str, qos: int = 1) -> list[str]:
        before = len(self.granted)
        self.client.subscribe(topic_filter, qos=qos)
        wait_for(lambda: len(self.granted) > before, what=f"SUBACK for {topic_filter}")
        return self.granted[before]

    def publish(self, topic: str, body: bytes, *, retain: bool = False) -> None:
        info = self.client.publish(topic, body, qos=1, retain=retain)
        info.wait_for_publish(timeout=10)
        assert info.is_published()

    def crash(self) -> None:
        """Drop the connection without DISCONNECT (what the broker sees of a SIGKILLed process)."""
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Bridge:
    """The ingester's write path (ingest decode() + TelemetryWriter, PUBACK after commit) on a 3.1.1 session."""

    def __init__(self, mqtt: MqttSettings, database: DatabaseSettings, client_id: str) -> None:
        self.root = mqtt.topic_root
        self.mqtt = Client(mqtt, client_id, clean=False, manual_ack=True)
        self.writer = TelemetryWriter(resolver=VehicleResolver(unknown_ttl_s=60))
        self.conn = connect(database, autocommit=True)
        self.redelivered = 0

    def drain_batch(self, size: int = 50) -> int:
        """Write up to `size` waiting messages in one transaction, then ack them; return how many."""
        batch: list[paho.MQTTMessage] = []
        while len(batch) < size:
            try:
                batch.append(self.mqtt.inbox.get(timeout=0.2 if not batch else 0))
            except queue.Empty:
                break
        if not batch:
            return 0
        now = datetime.now(UTC)
        received = [
            Received(
                m.topic,
                m.payload,
                decode(vin_from_topic(self.root, m.topic), m.payload, now=now, limits=Limits()),
            )
            for m in batch
        ]
        self.writer.write(self.conn, batch=received)
        for m in batch:
            self.redelivered += int(m.dup)
            self.mqtt.client.ack(m.mid, m.qos)
        return len(batch)

    def close(self, *, crash: bool = False) -> None:
        self.mqtt.crash() if crash else self.mqtt.close()
        self.conn.close()


def register(add_vehicle) -> None:
    for vin in VINS:
        add_vehicle(vin)


def test_the_ingesters_mqtt5_connect_is_refused(ingest_settings: IngestSettings, nats_mqtt: MqttSettings):
    settings = ingest_settings.model_copy(update={"mqtt": nats_mqtt})
    events = Events()
    subscriber = TelemetrySubscriber(settings, on_inbound=lambda m: None, log=events)
    subscriber.start()
    try:
        wait_for(lambda: any(e == "mqtt_connect_failed" for e, _ in events.seen), what="the CONNACK")
    finally:
        subscriber.close()
    failed = next(fields for e, fields in events.seen if e == "mqtt_connect_failed")
    assert failed["reason"] == "Unsupported protocol version"
    assert not subscriber.subscribed.is_set()


def test_qos1_persistent_session_and_ack_after_commit_lose_nothing(conn, database, add_vehicle, nats_mqtt):
    register(add_vehicle)
    client_id = f"carecast-ingest-{uuid.uuid4().hex[:6]}"
    first = Bridge(nats_mqtt, database, client_id)
    assert first.mqtt.subscribe(telemetry_subscription(nats_mqtt.topic_root)) == ["Granted QoS 1"]
    publisher = Client(nats_mqtt, f"pub-{uuid.uuid4().hex[:6]}")
    for vin, body in messages(300):
        publisher.publish(telemetry_topic(nats_mqtt.topic_root, vin), body)
    wait_for(lambda: first.mqtt.inbox.qsize() >= 100, what="messages in flight to the first session")
    first.drain_batch()
    first.drain_batch()
    assert 0 < rows(conn) < 300 * SAMPLES_PER_MESSAGE
    # Killed with messages received but neither committed nor acked: the session must give them back.
    first.close(crash=True)
    for vin, body in messages(
        300, first=300
    ):  # published while no ingester is connected: queued for the session
        publisher.publish(telemetry_topic(nats_mqtt.topic_root, vin), body)
    publisher.close()

    second = Bridge(nats_mqtt, database, client_id)  # same client id, clean session off
    try:
        assert second.mqtt.session_present is True
        # No SUBSCRIBE: the subscription is part of the session the broker kept.

        def drained() -> bool:
            second.drain_batch()
            return rows(conn) == 600 * SAMPLES_PER_MESSAGE

        wait_for(drained, timeout=30, what="everything stored")
        assert second.redelivered > 0  # the unacked ones came again, flagged DUP
    finally:
        second.close()
    assert_exactly_once(conn, 600)


def test_shared_subscription_is_a_literal_topic(nats_mqtt: MqttSettings):
    shared = "$share/carecast/" + telemetry_subscription(nats_mqtt.topic_root)
    members = [Client(nats_mqtt, f"share-{n}-{uuid.uuid4().hex[:6]}") for n in (1, 2)]
    publisher = Client(nats_mqtt, f"pub-{uuid.uuid4().hex[:6]}")
    try:
        assert [m.subscribe(shared) for m in members] == [["Granted QoS 1"]] * 2  # accepted ...
        for n in range(10):
            publisher.publish(telemetry_topic(nats_mqtt.topic_root, f"LTEST00000000000{n}"), b"{}")
        # ... but a subject named "$share/carecast/...": only a message published to that very name arrives.
        marker = "$share/carecast/" + telemetry_topic(nats_mqtt.topic_root, "LTEST0000000000SH")
        publisher.publish(marker, b"marker")
        for member in members:
            wait_for(lambda m=member: m.inbox.qsize() > 0, what="the marker")
            assert [msg.payload for msg in list(member.inbox.queue)] == [b"marker"]
    finally:
        for client in (*members, publisher):
            client.close()


def test_retained_works_qos2_is_refused(nats_mqtt: MqttSettings):
    status = f"{nats_mqtt.topic_root}/ingest/probe/status"
    publisher = Client(nats_mqtt, f"pub-{uuid.uuid4().hex[:6]}")
    reader = Client(nats_mqtt, f"read-{uuid.uuid4().hex[:6]}")
    try:
        publisher.publish(status, b"online", retain=True)
        assert reader.subscribe(status) == ["Granted QoS 1"]
        retained = reader.inbox.get(timeout=10)
        assert (retained.payload, retained.retain) == (b"online", True)
        assert reader.subscribe(f"{nats_mqtt.topic_root}/q2", qos=2) == ["Granted QoS 1"]  # downgraded
        publisher.client.publish(f"{nats_mqtt.topic_root}/q2", b"two", qos=2)
        wait_for(lambda: publisher.disconnects, what="NATS to close a QoS 2 publisher")
    finally:
        reader.close()
        publisher.close()
