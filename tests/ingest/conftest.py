"""Fixtures for the ingest tests: registered vehicles, a QoS 1 publisher and a running Ingester (real servers)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as paho
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.contracts import telemetry_topic
from core.settings import DatabaseSettings, MqttSettings
from ingest.service import Ingester
from ingest.settings import IngestSettings
from tests.conftest import wait_for
from tests.ingest_running import ingest_settings_for, started_ingester


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


# Midnight UTC two days ago: recent enough for the retention check whatever day the suite runs.
RECENT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)


def stamp(minute: int) -> str:
    """Return the RFC 3339 timestamp `minute` minutes after RECENT."""
    return (RECENT + timedelta(minutes=minute)).isoformat()


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

    def send_many(self, messages: list[tuple[str, bytes]]) -> None:
        """Publish (vin, body) pairs back to back, then wait until the broker has acked every one."""
        infos = [self.client.publish(telemetry_topic(self.root, vin), body, qos=1) for vin, body in messages]
        for info in infos:
            info.wait_for_publish(timeout=30)
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
    return ingest_settings_for(database, mqtt)


@pytest.fixture
def start_ingester() -> Iterator[Callable[[IngestSettings], Ingester]]:
    """Return a function that starts an Ingester in this process and waits for its subscription."""
    started: list[Ingester] = []

    def start(settings: IngestSettings) -> Ingester:
        ingester = started_ingester(settings)
        started.append(ingester)
        return ingester

    yield start
    for ingester in started:
        assert ingester.stop(timeout=15), "ingester did not stop"


# Run from the repository root so `ingest` resolves to the source tree (as `python -m ingest` does in a checkout).
ROOT = Path(__file__).resolve().parents[2]


def spawn_ingester(
    settings: IngestSettings, workdir: Path, name: str, *, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, Path]:
    """Start `python -m ingest` for these settings and wait until it holds its subscription."""
    full_env = {
        **os.environ,
        "CARECAST_DATABASE__URL": settings.database.url,
        "CARECAST_MQTT__HOST": settings.mqtt.host,
        "CARECAST_MQTT__PORT": str(settings.mqtt.port),
        "CARECAST_MQTT__TOPIC_ROOT": settings.mqtt.topic_root,
        **{f"CARECAST_INGEST__{k.upper()}": str(v) for k, v in settings.ingest.model_dump().items()},
        "CARECAST_LOG__FORMAT": "json",
        **(env or {}),
    }
    log = workdir / f"{name}.log"
    with log.open("ab") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "ingest"], env=full_env, cwd=ROOT, stderr=sink)
    mark = f'"client_id": "{settings.ingest.client_id}"'

    def subscribed() -> bool:
        assert proc.poll() is None, f"{name} exited: {log.read_text()[-2000:]}"
        return log.read_text().count('"event": "subscribed"') > 0 and mark in log.read_text()

    wait_for(subscribed, timeout=20, what=f"{name} subscribed")
    return proc, log
