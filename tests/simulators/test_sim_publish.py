"""Publishing a scenario to the private broker: every sample arrives, valid against the payload schema."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import jsonschema
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.contracts import telemetry_subscription, vin_from_topic
from core.settings import DatabaseSettings, MqttSettings
from simulators.errors import PublishError
from simulators.models import fleet_models
from simulators.publish import Publisher
from simulators.run import iter_history, run_history
from simulators.scenario import build_scenario
from simulators.settings import PublishSettings, SimulatorSettings
from tests.conftest import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads(
    resources.files("core.schemas").joinpath("telemetry-payload.schema.json").read_text("utf-8")
)


class Counter:
    """A plain subscriber that validates and counts samples."""

    def __init__(self, mqtt: MqttSettings) -> None:
        self.samples = 0
        self.live = 0  # samples stamped within seconds of their arrival: live ticks, not history
        self.messages = 0
        self.errors: list[str] = []
        self.vins: set[str] = set()
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._validator = jsonschema.Draft202012Validator(SCHEMA)
        self._root = mqtt.topic_root
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="", clean_session=True)
        self.client.on_connect = lambda c, *_: c.subscribe(telemetry_subscription(mqtt.topic_root), qos=1)
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(mqtt.host, mqtt.port)
        self.client.loop_start()
        wait_for(self._subscribed.is_set, timeout=10, what="subscription")

    def _on_message(self, client, userdata, msg) -> None:  # noqa: ANN001
        payload = json.loads(msg.payload)
        errors = [e.message for e in self._validator.iter_errors(payload)]
        if payload.get("vin") != vin_from_topic(self._root, msg.topic):
            errors.append("vin differs from topic")
        live = 0
        for sample in payload.get("samples", []):
            ts = datetime.fromisoformat(sample["ts"])
            if ts.utcoffset() is None:
                errors.append("timestamp without offset")
            elif abs((datetime.now(UTC) - ts).total_seconds()) < 5:
                live += 1
        with self._lock:
            self.errors += errors
            self.messages += 1
            self.samples += len(payload.get("samples", []))
            self.live += live
            self.vins.add(payload.get("vin"))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def counter(mqtt: MqttSettings):
    c = Counter(mqtt)
    yield c
    c.close()


def test_every_published_sample_arrives_and_validates(mqtt: MqttSettings, counter: Counter) -> None:
    scenario = build_scenario(7, 12, datetime(2025, 11, 27, 9, tzinfo=UTC), days=10)
    # A tiny cap: the flow control must hold back and resume many times.
    settings = SimulatorSettings(mqtt=mqtt, sim=PublishSettings(max_inflight=5))
    report = run_history(settings, scenario=scenario, samples_per_message=7)
    assert report.vehicles == 12 and report.samples > 12 * 10 * 5
    per_vin: dict[str, int] = {}
    for vin, samples in iter_history(fleet_models(scenario), scenario=scenario, until=scenario.end):
        per_vin[vin] = per_vin.get(vin, 0) + len(samples)
    assert report.samples == sum(per_vin.values())
    # 7 per message, a vehicle's remainder in one more
    assert report.messages == sum(-(-n // 7) for n in per_vin.values())
    wait_for(lambda: counter.samples >= report.samples, timeout=30, what="all samples at the subscriber")
    assert counter.samples == report.samples and counter.messages == report.messages
    assert counter.vins == {v.vin for v in scenario.fleet.vehicles}
    assert counter.errors == []


def _env(mqtt: MqttSettings, database: DatabaseSettings) -> dict[str, str]:
    return {
        **os.environ,
        "CARECAST_MQTT__HOST": mqtt.host,
        "CARECAST_MQTT__PORT": str(mqtt.port),
        "CARECAST_MQTT__TOPIC_ROOT": mqtt.topic_root,
        "CARECAST_DATABASE__URL": database.url,
        "CARECAST_LOG__FORMAT": "json",
    }


def test_command_seeds_publishes_and_writes_expected(mqtt, database, conn, counter, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "expected.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulators",
            "--vehicles",
            "12",
            "--days",
            "8",
            "--end",
            "2025-11-27T09:00:00+08:00",
            "--samples-per-message",
            "50",
            "--expected-out",
            str(out),
        ],
        env=_env(mqtt, database),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    summary = next(json.loads(line) for line in done.stderr.splitlines() if "history_published" in line)
    assert summary["vehicles"] == 12 and summary["samples"] > 0
    wait_for(lambda: counter.samples >= summary["samples"], timeout=30, what="the command's samples")
    assert counter.errors == []
    expected = json.loads(out.read_text())
    assert len(expected["expected"]) == 12
    vins = {row[0] for row in conn.execute("SELECT vin FROM vehicle").fetchall()}
    assert vins == set(expected["expected"])


def test_live_mode_publishes_until_sigterm(mqtt, database, counter) -> None:  # noqa: ANN001
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulators",
            "--vehicles",
            "6",
            "--days",
            "7",
            "--no-seed-db",
            "--live",
            "--interval-s",
            "0.2",
        ],
        env=_env(mqtt, database),
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # three live ticks of the six cars: the SIGTERM handler is installed once the history is out
        wait_for(lambda: counter.live >= 3 * 6, timeout=60, what="live samples")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        stderr = proc.stderr.read()
        assert "live_stopped" in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
    assert counter.errors == []


def test_unreachable_broker_is_a_publish_error() -> None:
    settings = MqttSettings(host="127.0.0.1", port=free_port(), topic_root="x/dt/carecast")
    with pytest.raises(PublishError, match="cannot reach"), Publisher(settings, ack_timeout_s=2):
        pass
