"""The retained status topic: "online" while connected, "offline" after a clean stop and, through the MQTT last
will, after a crash."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.settings import MqttSettings
from tests.conftest import wait_for
from tests.ingest.conftest import spawn_ingester


@pytest.fixture
def watch() -> Iterator[Callable[[MqttSettings, str], list[bytes]]]:
    """Return a function subscribing a fresh client to a topic; it returns the live list of payloads seen."""
    clients: list[paho.Client] = []

    def subscribe(mqtt: MqttSettings, topic: str) -> list[bytes]:
        seen: list[bytes] = []
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"watch-{uuid.uuid4().hex[:8]}")
        client.on_message = lambda c, u, msg: seen.append(msg.payload)
        client.on_connect = lambda c, u, flags, rc, props: c.subscribe(topic, qos=1)
        client.connect(mqtt.host, mqtt.port)
        client.loop_start()
        clients.append(client)
        return seen

    yield subscribe
    for client in clients:
        client.disconnect()
        client.loop_stop()


def test_status_is_online_then_offline_after_a_clean_stop(ingest_settings, start_ingester, watch):
    ingester = start_ingester(ingest_settings)
    topic = ingest_settings.status_topic()
    assert topic == f"{ingest_settings.mqtt.topic_root}/ingest/{ingest_settings.ingest.client_id}/status"
    seen = watch(ingest_settings.mqtt, topic)
    wait_for(lambda: seen == [b"online"], what="the retained online status")
    assert ingester.stop(timeout=15)
    wait_for(lambda: seen == [b"online", b"offline"], what="offline after the stop")
    late = watch(ingest_settings.mqtt, topic)  # retained: a newcomer sees the last state
    wait_for(lambda: late == [b"offline"], what="the retained offline status")


def test_last_will_says_offline_when_the_ingester_dies(ingest_settings, tmp_path, watch):
    proc, _ = spawn_ingester(ingest_settings, tmp_path, "doomed")
    try:
        seen = watch(ingest_settings.mqtt, ingest_settings.status_topic())
        wait_for(lambda: seen == [b"online"], what="the retained online status")
        proc.kill()
        proc.wait(timeout=10)
        wait_for(lambda: seen == [b"online", b"offline"], what="the last will")
    finally:
        proc.kill()
