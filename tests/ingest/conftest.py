"""Fixtures for the ingest tests: registered vehicles, a QoS 1 publisher and a running Ingester (real servers)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import orjson
import paho.mqtt.client as paho
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.contracts import telemetry_topic
from core.log import configure_logging
from core.settings import DatabaseSettings, LogSettings, MqttSettings
from ingest.service import Ingester
from ingest.settings import IngestSettings


@pytest.fixture
def add_vehicle(conn: psycopg.Connection) -> Callable[[str], int]:
    """Return a function that registers a vehicle (and its owner) and returns the vehicle id."""

    def add(vin: str) -> int:
        customer = conn.execute(
            "INSERT INTO customer (name, locale, tz, segment) VALUES ('Test Owner', 'en', 'Asia/Shanghai', 'family')"
            " RETURNING id"
        ).fetchone()[0]
        return conn.execute(
            "INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region)"
            " VALUES (%s, %s, 'Model T', 2022, 'EV', 'harbin') RETURNING id",
            (vin, customer),
        ).fetchone()[0]

    return add


def payload(vin: str, samples: list[dict]) -> bytes:
    """Return a v1 telemetry payload."""
    return orjson.dumps({"v": 1, "vin": vin, "samples": samples})


class Publisher:
    """A vehicle-side MQTT client publishing at QoS 1 and waiting for each PUBACK."""

    def __init__(self, mqtt: MqttSettings) -> None:
        self.root = mqtt.topic_root
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
        self.client.connect(mqtt.host, mqtt.port)
        self.client.loop_start()

    def send(self, vin: str, body: bytes, *, topic: str | None = None) -> None:
        info = self.client.publish(topic or telemetry_topic(self.root, vin), body, qos=1)
        info.wait_for_publish(timeout=10)
        assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(mqtt: MqttSettings) -> Iterator[Publisher]:
    pub = Publisher(mqtt)
    yield pub
    pub.close()


@pytest.fixture
def ingest_settings(database: DatabaseSettings, mqtt: MqttSettings) -> IngestSettings:
    """Settings for an ingester of this test: own client id, short batches and retries."""
    return IngestSettings(
        database=database,
        mqtt=mqtt,
        client_id=f"test-ingest-{uuid.uuid4().hex[:8]}",
        batch_ms=50,
        retry_initial_s=0.05,
        retry_max_s=0.5,
        shutdown_grace_s=5,
        log=LogSettings(level="INFO", format="console"),
    )


@pytest.fixture
def start_ingester() -> Iterator[Callable[[IngestSettings], Ingester]]:
    """Return a function that starts an Ingester in this process and waits for its subscription."""
    started: list[Ingester] = []

    def start(settings: IngestSettings) -> Ingester:
        ingester = Ingester(settings, log=configure_logging(settings.log, process="ingest-test"))
        ingester.start()
        started.append(ingester)
        assert ingester.subscribed.wait(10), "ingester did not subscribe"
        return ingester

    yield start
    for ingester in started:
        assert ingester.stop(timeout=15), "ingester did not stop"
