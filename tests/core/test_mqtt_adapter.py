"""core/paho_adapter.py is pinned to one paho-mqtt release: these tests fail loudly when paho moves, and check
against the real broker that the private paths still do what ingest relies on."""

from __future__ import annotations

import threading
import time
import uuid
from importlib.metadata import version

import paho.mqtt.client as paho
import pytest
from paho.mqtt import __version__ as paho_version
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core import paho_adapter
from core.errors import PahoUnsupported
from core.mqtt import MQTTv5, make_client
from core.settings import MqttSettings
from tests.conftest import wait_for


def test_installed_paho_is_the_release_the_adapter_was_written_for():
    installed = version("paho-mqtt")
    assert installed == paho_version == paho_adapter.WRITTEN_FOR, (
        f"paho-mqtt {installed} is installed but core/paho_adapter.py was written for {paho_adapter.WRITTEN_FOR}: "
        "re-read Client._packet_queue, _msgtime_mutex, _last_msg_out, MQTTMessage._topic and paho's PUBACK in the "
        "new source, run these tests, then move WRITTEN_FOR"
    )


def test_a_real_client_has_every_internal_and_a_stand_in_does_not(mqtt):
    client = make_client(mqtt, client_id="adapter-check", protocol=MQTTv5, manual_ack=True)
    assert paho_adapter.missing_internals(client) == []
    paho_adapter.require(client)
    assert paho.PUBACK == paho_adapter.PUBACK  # the packet type the batched acks are written with
    assert paho.time_func is time.monotonic  # the clock note_sent() stamps with

    class Stripped:  # a client of some future paho with the same public API but other internals
        _last_msg_out = 0.0

    with pytest.raises(PahoUnsupported, match="_packet_queue.*_msgtime_mutex.*written for paho-mqtt"):
        paho_adapter.require(Stripped())


class _Session:
    """An MQTT 5 subscriber with a persistent session and manual acks, recording what the broker delivers."""

    def __init__(self, mqtt: MqttSettings, *, client_id: str, topic_filter: str) -> None:
        self.received: list[paho.MQTTMessage] = []
        self.subscribed = threading.Event()
        self.client = make_client(mqtt, client_id=client_id, protocol=MQTTv5, manual_ack=True)
        self.client.on_connect = lambda c, *_: c.subscribe(topic_filter, qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = lambda _c, _u, msg: self.received.append(msg)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 60
        self.client.connect(mqtt.host, mqtt.port, clean_start=False, properties=props)
        self.client.loop_start()
        assert self.subscribed.wait(10), "no SUBACK"

    def topics(self) -> list[str]:
        return [m.topic for m in self.received]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _publish(mqtt: MqttSettings, topics: list[str]) -> None:
    client = make_client(mqtt, client_id=f"adapter-pub-{uuid.uuid4().hex[:8]}")
    client.connect(mqtt.host, mqtt.port)
    client.loop_start()
    try:
        for topic in topics:
            info = client.publish(topic, b"x", qos=1)
            info.wait_for_publish(timeout=10)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


@pytest.mark.parametrize("acked", [True, False])
def test_pubacks_queued_through_the_adapter_reach_the_broker(mqtt, acked):
    # Three messages arrive on a persistent session with manual acks. Acked through the adapter (from another
    # thread than paho's, as ingest's writer does), the broker forgets them; unacked, it delivers them again when
    # the session resumes (the control that shows the check can fail). A marker published after the reconnect
    # arrives behind any redelivery, so the test knows when to look.
    client_id, root = f"adapter-{uuid.uuid4().hex[:8]}", mqtt.topic_root
    first = _Session(mqtt, client_id=client_id, topic_filter=f"{root}/#")
    _publish(mqtt, [f"{root}/m{n}" for n in range(3)])
    wait_for(lambda: len(first.received) == 3, what="three messages")
    raw = [paho_adapter.raw_topic(m) for m in first.received]
    assert raw == [f"{root}/m{n}".encode() for n in range(3)] and all(isinstance(t, bytes) for t in raw)
    if acked:
        acker = threading.Thread(
            target=paho_adapter.queue_pubacks, args=(first.client, [m.mid for m in first.received])
        )
        acker.start()
        acker.join()
    first.close()  # the DISCONNECT is queued behind the acks

    second = _Session(mqtt, client_id=client_id, topic_filter=f"{root}/#")
    try:
        _publish(mqtt, [f"{root}/marker"])
        wait_for(lambda: f"{root}/marker" in second.topics(), what="the marker")
        again = [t for t in second.topics() if t != f"{root}/marker"]
        assert again == ([] if acked else [f"{root}/m{n}" for n in range(3)])
        if not acked:
            for msg in second.received[:3]:
                second.client.ack(msg.mid, 1)
    finally:
        second.close()


def test_note_sent_stamps_pahos_last_packet_out_under_its_lock(mqtt):
    client = make_client(mqtt, client_id="adapter-note")
    client._last_msg_out = 0.0
    before = time.monotonic()
    paho_adapter.note_sent(client)
    assert before <= client._last_msg_out <= time.monotonic()
    with client._msgtime_mutex:  # held elsewhere, note_sent waits for it (paho's own writers take it too)
        stamped = threading.Thread(target=paho_adapter.note_sent, args=(client,))
        client._last_msg_out = 0.0
        stamped.start()
        stamped.join(0.2)
        assert stamped.is_alive() and client._last_msg_out == 0.0
    stamped.join(5)
    assert client._last_msg_out > 0.0


def test_raw_topic_reads_what_the_topic_property_cannot():
    msg = paho.MQTTMessage(mid=1, topic=b"dt/carecast/\xff/telemetry")
    with pytest.raises(UnicodeDecodeError):
        _ = msg.topic
    assert paho_adapter.raw_topic(msg) == b"dt/carecast/\xff/telemetry"
