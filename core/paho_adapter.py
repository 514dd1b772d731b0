"""Every paho-mqtt private internal Carecast touches, in one place.

paho 2 has no public way to queue many PUBACKs as one write, to tell its keepalive that a packet went out, to read a
topic that is not valid UTF-8, or to receive a message without its per-message objects; ingest needs all four. Each
function below reaches into private members of paho's `Client` or `MQTTMessage`. `require(client)` checks once,
when a client is set up, that they are all there (a paho without them fails at start, never silently mid-drain),
and tests/core/test_mqtt_adapter.py is pinned to `WRITTEN_FOR`: when paho is upgraded that test fails first, and
this module is re-read against the new paho source before the pin moves (pyproject allows paho-mqtt < 3 only).
"""

from __future__ import annotations

import inspect
import struct
import time
from collections.abc import Callable, Sequence

import paho.mqtt.client as paho
from paho.mqtt.enums import MQTTProtocolVersion

from core.errors import PahoUnsupported

# The paho-mqtt release these internals were read from.
WRITTEN_FOR = "2.2.0"

# PUBACK fixed header (MQTT 3.1.1 and 5: packet type 4, remaining length 2, then the packet id; MQTT 5 allows
# leaving out the reason code when it is 0 = success).
PUBACK = 0x40
_PUBACK = struct.Struct("!BBH")
_CLIENT_MEMBERS = (
    "_packet_queue",
    "_msgtime_mutex",
    "_last_msg_out",
    "_in_packet",
    "_handle_publish",
    "_protocol",
    "_manual_ack",
    "_in_callback_mutex",
)
_PACKET_QUEUE_ARGS = ("command", "packet", "mid", "qos")


def missing_internals(client: paho.Client) -> list[str]:
    """Return the internals this adapter uses that `client` (or paho's MQTTMessage) lacks; empty when all fit."""
    missing = [name for name in _CLIENT_MEMBERS if not hasattr(client, name)]
    queue = getattr(client, "_packet_queue", None)
    if queue is not None:
        params = tuple(inspect.signature(queue).parameters)[: len(_PACKET_QUEUE_ARGS)]
        if params != _PACKET_QUEUE_ARGS:
            missing.append(f"_packet_queue{_PACKET_QUEUE_ARGS} (found {params})")
    mutex = getattr(client, "_msgtime_mutex", None)
    if mutex is not None and not hasattr(mutex, "__enter__"):
        missing.append("_msgtime_mutex as a lock")
    try:
        if paho.MQTTMessage(topic=b"t")._topic != b"t":
            missing.append("MQTTMessage._topic")
    except AttributeError:
        missing.append("MQTTMessage._topic")
    return missing


def require(client: paho.Client) -> None:
    """Raise PahoUnsupported unless `client` has every internal the functions below use."""
    missing = missing_internals(client)
    if missing:
        raise PahoUnsupported(
            f"paho-mqtt lacks {', '.join(missing)}; core/paho_adapter.py was written for paho-mqtt {WRITTEN_FOR}"
        )


def queue_pubacks(client: paho.Client, mids: Sequence[int]) -> None:
    """Queue the PUBACKs of `mids` (QoS 1, in this order) as one write on paho's outgoing queue; any thread.

    paho's ack() queues one 4-byte packet and wakes the network thread once per message: thousands of syscalls
    and GIL hand-overs per batch, the largest cost of an ingest drain in its profile (bench/ingest.py measures the
    drain). One buffer takes the same private path ack() ends in (`Client._packet_queue`, which appends to a
    thread-safe deque and wakes the network loop, as publish() does from any thread). `mids` must not be empty.
    """
    pack = _PUBACK.pack
    client._packet_queue(PUBACK, b"".join([pack(PUBACK, 2, mid) for mid in mids]), mids[-1], 1)


def note_sent(client: paho.Client) -> None:
    """Tell paho's keepalive that a packet just went to the broker (paho's clock is time.monotonic).

    paho 2.2 refreshes its "last packet out" time only when it sends a PINGREQ, never on other writes
    (eclipse-paho/paho.mqtt.python#813), so during a drain it sends a PINGREQ every keepalive and drops the
    connection ("Keep alive timeout") when the PINGRESP, queued behind the publishes the broker already has on the
    way, is not back within the keepalive. Control packets such as PUBACKs keep a connection alive as a PINGREQ
    would (MQTT keepalive).
    """
    with client._msgtime_mutex:
        client._last_msg_out = time.monotonic()


def raw_topic(msg: paho.MQTTMessage) -> bytes:
    """Return the topic as the broker sent it (paho's `topic` property raises on bytes that are not UTF-8)."""
    return bytes(msg._topic)


# deliver(topic, payload, mid, qos, retain): the topic as sent, the payload as a slice of the packet
Deliver = Callable[[bytes, bytearray, int, int, bool], None]


def deliver_publishes(client: paho.Client, deliver: Deliver) -> None:
    """Hand every PUBLISH at QoS 0 or 1 that carries no MQTT 5 properties straight to `deliver`, in paho's network
    thread, instead of to `on_message`; anything else (properties, QoS 2, a malformed packet) takes paho's own path
    and reaches `on_message` as before. `client` must be MQTT 5 with manual acks (nothing is acked here).

    paho builds, per message, a `Properties` (two dictionaries of every MQTT 5 property), an `MQTTMessage` with an
    `MQTTMessageInfo` and its `Condition`, copies the packet twice while decoding it, and matches the topic against
    its per-topic callbacks under a lock: more Python per message than decoding 20 samples of its payload takes
    (docs/ingest.md, run 10). A telemetry PUBLISH from the broker has no properties (the cars set none), so its topic,
    packet id and flags are read here in a few steps (MQTT 5.0, 3.3: topic length and name, packet id at QoS > 0,
    the property length 0, then the payload). The replacement is bound to this one client (`_handle_publish`, the
    method paho's `_packet_handle` calls for a PUBLISH).
    """
    if client._protocol != MQTTProtocolVersion.MQTTv5 or not client._manual_ack:
        raise ValueError("deliver_publishes needs an MQTT 5 client with manual_ack=True")
    handle_publish = client._handle_publish  # paho's own, for everything else
    # held around the callback as paho holds it around on_message (a packet queued from inside a callback is then
    # written by the loop, not from within the read)
    in_callback = client._in_callback_mutex

    def handle() -> int:
        inbound = client._in_packet
        header, packet = inbound["command"], inbound["packet"]
        qos = (header & 0x06) >> 1
        if qos == 2 or len(packet) < 3:
            return handle_publish()
        end = 2 + ((packet[0] << 8) | packet[1])
        props = end + 2 if qos else end  # the property length's position
        # no topic (an alias), too short, or properties: paho's own path
        if end == 2 or props >= len(packet) or packet[props] != 0:
            return handle_publish()
        mid = (packet[end] << 8) | packet[end + 1] if qos else 0
        with in_callback:
            deliver(bytes(packet[2:end]), packet[props + 1 :], mid, qos, bool(header & 0x01))
        return 0  # MQTT_ERR_SUCCESS; manual acks: nothing to send

    client._handle_publish = handle  # type: ignore[method-assign,assignment]
