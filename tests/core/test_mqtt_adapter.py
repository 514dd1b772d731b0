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
        "re-read Client._packet_queue, _msgtime_mutex, _last_msg_out, _in_packet, _handle_publish (and "
        "_packet_read/_handle_publish around it), MQTTMessage._topic and paho's PUBACK in the new source, run these "
        "tests, then move WRITTEN_FOR"
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
    # Mosquitto reads one packet of a connection per turn of its loop, so a resumed session's CONNECT can take over
    # before it has read the acks still buffered on the old socket, and redeliver them. A QoS 1 publish on the same
    # connection (outside the filter) is acked only once the broker has read everything queued before it.
    barrier = first.client.publish(f"{root}-barrier", b"x", qos=1)
    barrier.wait_for_publish(timeout=10)
    assert barrier.is_published()
    first.close()

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


class _Delivered:
    """An MQTT 5 manual-ack subscriber with deliver_publishes: what took the fast path and what reached on_message."""

    def __init__(self, mqtt: MqttSettings, *, topic_filter: str, qos: int = 1) -> None:
        self.fast: list[tuple[bytes, bytes, int, int, bool]] = []
        self.slow: list[paho.MQTTMessage] = []
        self.subscribed = threading.Event()
        self.client = make_client(
            mqtt, client_id=f"deliver-{uuid.uuid4().hex[:8]}", protocol=MQTTv5, manual_ack=True
        )
        paho_adapter.deliver_publishes(
            self.client, lambda t, p, mid, qos, retain: self.fast.append((t, bytes(p), mid, qos, retain))
        )
        self.client.on_connect = lambda c, *_: c.subscribe(topic_filter, qos=qos)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = lambda _c, _u, msg: self.slow.append(msg)
        self.client.connect(mqtt.host, mqtt.port)
        self.client.loop_start()
        assert self.subscribed.wait(10), "no SUBACK"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_deliver_publishes_hands_on_plain_messages_and_leaves_the_rest_to_paho(mqtt):
    root = mqtt.topic_root
    sub = _Delivered(mqtt, topic_filter=f"{root}/deliver/#")
    pub = make_client(mqtt, client_id=f"deliver-pub-{uuid.uuid4().hex[:8]}", protocol=MQTTv5)
    pub.connect(mqtt.host, mqtt.port)
    pub.loop_start()
    try:
        big = bytes(range(256)) * 40  # a payload past one byte of remaining length, every byte value
        props = Properties(PacketTypes.PUBLISH)
        props.UserProperty = ("fw", "1.2")
        sent = [
            pub.publish(f"{root}/deliver/q1", big, qos=1),
            pub.publish(f"{root}/deliver/q0", b"zero", qos=0),
            pub.publish(f"{root}/deliver/props", b"with", qos=1, properties=props),
            pub.publish(f"{root}/deliver/q2", b"two", qos=2),
            pub.publish(f"{root}/deliver/empty", b"", qos=1),
        ]
        for info in sent:
            info.wait_for_publish(timeout=10)
        wait_for(lambda: len(sub.fast) + len(sub.slow) == 5, what="five messages")
    finally:
        pub.disconnect()
        pub.loop_stop()
    fast = {t.decode(): (p, mid, qos, retain) for t, p, mid, qos, retain in sub.fast}
    # QoS 2 is delivered at the subscription's QoS 1
    assert set(fast) == {f"{root}/deliver/{t}" for t in ("q1", "q0", "q2", "empty")}
    assert fast[f"{root}/deliver/q2"][0] == b"two" and fast[f"{root}/deliver/q2"][2] == 1
    assert fast[f"{root}/deliver/q1"][0] == big and fast[f"{root}/deliver/q1"][2:] == (1, False)
    assert fast[f"{root}/deliver/q1"][1] > 0  # a packet id: the caller acks it
    assert fast[f"{root}/deliver/q0"] == (b"zero", 0, 0, False)
    assert fast[f"{root}/deliver/empty"][0] == b""
    # a message with properties takes paho's own path, its properties intact
    assert [m.topic for m in sub.slow] == [f"{root}/deliver/props"]
    assert sub.slow[0].properties.UserProperty == [("fw", "1.2")] and sub.slow[0].payload == b"with"
    for msg in sub.slow:
        sub.client.ack(msg.mid, msg.qos)
    for _t, _p, mid, qos, _r in sub.fast:
        if qos:
            sub.client.ack(mid, qos)
    sub.close()


def test_deliver_publishes_leaves_qos_2_to_paho(mqtt):
    topic = f"{mqtt.topic_root}/deliver/exactly-once"
    sub = _Delivered(mqtt, topic_filter=topic, qos=2)
    pub = make_client(mqtt, client_id=f"deliver-q2-{uuid.uuid4().hex[:8]}", protocol=MQTTv5)
    pub.connect(mqtt.host, mqtt.port)
    pub.loop_start()
    try:
        pub.publish(topic, b"two", qos=2).wait_for_publish(timeout=10)
        wait_for(lambda: sub.slow, what="the QoS 2 message")
        assert sub.fast == [] and (sub.slow[0].payload, sub.slow[0].qos) == (b"two", 2)
    finally:
        pub.disconnect()
        pub.loop_stop()
        sub.close()


def test_deliver_publishes_marks_retained_messages(mqtt):
    topic = f"{mqtt.topic_root}/deliver/retained"
    pub = make_client(mqtt, client_id=f"deliver-ret-{uuid.uuid4().hex[:8]}", protocol=MQTTv5)
    pub.connect(mqtt.host, mqtt.port)
    pub.loop_start()
    try:
        pub.publish(topic, b"kept", qos=1, retain=True).wait_for_publish(timeout=10)
        sub = _Delivered(mqtt, topic_filter=topic)
        try:
            wait_for(lambda: sub.fast, what="the retained message")
            assert sub.fast[0][1:2] == (b"kept",) and sub.fast[0][4] is True
        finally:
            sub.close()
    finally:
        pub.publish(topic, b"", qos=1, retain=True).wait_for_publish(timeout=10)  # clear it
        pub.disconnect()
        pub.loop_stop()


def test_deliver_publishes_refuses_a_client_it_cannot_serve(mqtt):
    with pytest.raises(ValueError, match="MQTT 5 client with manual_ack"):
        paho_adapter.deliver_publishes(make_client(mqtt, client_id="d311", manual_ack=True), lambda *a: None)
    with pytest.raises(ValueError, match="MQTT 5 client with manual_ack"):
        paho_adapter.deliver_publishes(make_client(mqtt, client_id="d5", protocol=MQTTv5), lambda *a: None)
