"""Every paho-mqtt private internal Carecast touches, in one place.

paho 2 has no public way to queue many PUBACKs as one write, to tell its keepalive that a packet went out, or to
read a topic that is not valid UTF-8; ingest needs all three. Each function below reaches into one private member
of paho's `Client` or `MQTTMessage`. `require(client)` checks once, when a client is set up, that they are all
there (a paho without them fails at start, never silently mid-drain), and tests/core/test_mqtt_adapter.py is
pinned to `WRITTEN_FOR`: when paho is upgraded that test fails first, and this module is re-read against the new
paho source before the pin moves (pyproject allows paho-mqtt < 3 only).
"""

from __future__ import annotations

import inspect
import struct
import time
from collections.abc import Sequence

import paho.mqtt.client as paho

from core.errors import PahoUnsupported

# The paho-mqtt release these internals were read from.
WRITTEN_FOR = "2.2.0"

# PUBACK fixed header (MQTT 3.1.1 and 5: packet type 4, remaining length 2, then the packet id; MQTT 5 allows
# leaving out the reason code when it is 0 = success).
PUBACK = 0x40
_PUBACK = struct.Struct("!BBH")
_CLIENT_MEMBERS = ("_packet_queue", "_msgtime_mutex", "_last_msg_out")
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
