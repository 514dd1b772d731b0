"""The broker side of ingest: a paho-mqtt 2 (MQTT v5) subscriber with a persistent session and manual acks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from core import paho_adapter
from core.contracts import TELEMETRY_QOS
from core.mqtt import MQTTv5, make_client
from ingest.settings import IngestSettings

STATUS_ONLINE = b"online"
STATUS_OFFLINE = b"offline"
# How long a clean stop waits for the broker to take the "offline" status.
_STATUS_WAIT_S = 2.0


@dataclass(slots=True)  # not frozen: created once per message, and frozen dataclasses build slowly
class Inbound:
    """One received message; `session` tells which connection delivered it (acks only go back on that one)."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    session: int
    arrived: float  # time.monotonic() at receipt, for the ack-lag gauge
    # The broker replayed a retained message (MQTT 5 with retain-as-published off sets it on nothing else).
    retain: bool = False


class TelemetrySubscriber:
    """Subscribes to vehicle telemetry at QoS 1 and hands each message to `on_inbound`; never acks by itself.

    paho's network thread runs the callbacks. `ack_all()` may be called from another thread: it only appends the
    PUBACKs to paho's outgoing deque and wakes the network loop (core/paho_adapter.py, the same path publish()
    takes from any thread).

    The retained status topic says "online" while connected; the broker publishes the last will "offline" when
    the connection dies without a DISCONNECT (crash, network), and close() publishes it on a clean stop.
    """

    def __init__(
        self,
        settings: IngestSettings,
        *,
        on_inbound: Callable[[Inbound], None],
        on_connection: Callable[[bool], None] | None = None,
        log: Any,
    ) -> None:
        self._settings = settings
        self._on_inbound = on_inbound
        self._on_connection = on_connection or (lambda connected: None)
        self._log = log
        self._session = 0
        self._receiving = True
        self._status_topic = settings.status_topic()
        self._retire_topic = settings.retire_topic()
        self._retire_marker_topic = self._retire_topic.encode()
        self._retiring = False
        self.subscribed = threading.Event()
        # Set when the retire marker came back: everything the broker had queued for us has been handed on.
        self.drained = threading.Event()
        client = make_client(
            settings.mqtt, client_id=settings.ingest.client_id, protocol=MQTTv5, manual_ack=True
        )
        # ack_all() and the delivery need paho's internals: a paho without them fails here, at start, not in the
        # middle of a drain.
        paho_adapter.require(client)
        # Telemetry skips paho's per-message objects (core/paho_adapter.deliver_publishes); a message carrying
        # MQTT 5 properties still comes through on_message.
        paho_adapter.deliver_publishes(client, self._on_publish)
        client.will_set(self._status_topic, STATUS_OFFLINE, qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_unsubscribe = self._on_unsubscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client

    def start(self) -> None:
        """Connect in the background (paho retries until the broker is reachable) and start the network thread."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self._settings.ingest.session_expiry_s
        props.ReceiveMaximum = self._settings.ingest.receive_maximum
        mqtt = self._settings.mqtt
        self._client.connect_async(
            mqtt.host, mqtt.port, mqtt.keepalive_s, clean_start=False, properties=props
        )
        self._client.loop_start()

    def stop_receiving(self) -> None:
        """Stop handing on messages; later ones stay unacked and the broker redelivers them to the next run."""
        self._receiving = False

    def ack_all(self, messages: Sequence[Inbound]) -> None:
        """Send the PUBACKs of a batch in arrival order, as one write; messages that came over a connection that is
        gone are skipped (the broker redelivers them).

        One buffer per batch instead of paho's ack() per message (why: core/paho_adapter.queue_pubacks). The acks
        also count as traffic for paho's keepalive: otherwise it pings in the middle of a drain, and the PINGRESP,
        behind the up to `receive_maximum` PUBLISH packets the broker already has on the way to us, can come back
        late and drop the connection (seen once in a 1M-message drain; the reconnect redelivered a batch). When
        messages stop coming, acks stop too and paho's pings resume.
        """
        session = self._session
        mids = [m.mid for m in messages if m.qos == 1 and m.session == session]
        if not mids:
            return
        paho_adapter.queue_pubacks(self._client, mids)
        paho_adapter.note_sent(self._client)

    def retire(self) -> None:
        """Leave the (shared) subscription for good: unsubscribe, then drain what the broker still has queued for
        us; `drained` is set once it is all handed on (any thread; the network thread does the work).

        Mosquitto keeps a shared-subscription member's share of messages in its session while it is away, so a
        member that stops with a persistent session and never returns strands them. After the UNSUBACK nothing
        new is routed to us, but messages already queued in our session still come: we subscribe to a topic of
        our own and publish a marker to it; the broker queues it behind them, so when it comes back the queue is
        empty. close(end_session=True) then ends the session (docs/ingest.md, "Retiring an ingester").
        """
        self._retiring = True
        if self._client.is_connected():
            self._client.unsubscribe(self._settings.subscription_filter())

    def close(self, *, end_session: bool = False) -> None:
        """Publish "offline", disconnect (after the queued acks have been sent) and stop the network thread.

        `end_session`: session expiry 0 on the DISCONNECT, so the broker keeps no session (and queues nothing)
        for this client id; only once everything received has been committed and acked.
        """
        if self._client.is_connected():
            info = self._client.publish(self._status_topic, STATUS_OFFLINE, qos=1, retain=True)
            deadline = time.monotonic() + _STATUS_WAIT_S
            while not info.is_published() and time.monotonic() < deadline and self._client.is_connected():
                info.wait_for_publish(timeout=0.1)
        if end_session:
            props = Properties(PacketTypes.DISCONNECT)
            props.SessionExpiryInterval = 0
            self._client.disconnect(properties=props)
        else:
            self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            self._log.error("mqtt_connect_failed", reason=str(reason))
            return
        # Packet ids restart with every connection: acks for messages of an older one must not be sent on this one.
        self._session += 1
        client.publish(self._status_topic, STATUS_ONLINE, qos=1, retain=True)
        self._on_connection(True)
        self._log.info("mqtt_connected", session_present=flags.session_present, retiring=self._retiring)
        if self._retiring:  # reconnected while retiring: the session may still hold the filter and a queue
            client.unsubscribe(self._settings.subscription_filter())
            return
        topic_filter = self._settings.subscription_filter()
        # Retained telemetry (a car may publish with retain=1) is never replayed to us when we (re)subscribe.
        options = SubscribeOptions(qos=TELEMETRY_QOS, retainHandling=SubscribeOptions.RETAIN_DO_NOT_SEND)
        client.subscribe(topic_filter, options=options)

    def _on_subscribe(
        self, client: paho.Client, userdata: Any, mid: int, reasons: list[Any], properties: Any
    ) -> None:
        failed = [str(r) for r in reasons if r.is_failure]
        if failed:
            self._log.error("mqtt_subscribe_failed", reasons=failed)
            return
        if (
            self._retiring
        ):  # the retire topic is ours: the marker queues behind whatever the broker holds for us
            client.publish(self._retire_topic, b"drained", qos=1)
            return
        self._log.info("subscribed", subscription=self._settings.subscription_filter())
        self.subscribed.set()

    def _on_unsubscribe(
        self, client: paho.Client, userdata: Any, mid: int, reasons: list[Any], properties: Any
    ) -> None:
        self._log.info("unsubscribed", subscription=self._settings.subscription_filter())
        client.subscribe(self._retire_topic, qos=TELEMETRY_QOS)

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._on_connection(False)
        self._log.info("mqtt_disconnected", reason=str(reason))

    def _on_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        self._on_publish(paho_adapter.raw_topic(msg), msg.payload, msg.mid, msg.qos, msg.retain)

    def _on_publish(self, topic: bytes, payload: bytes | bytearray, mid: int, qos: int, retain: bool) -> None:
        if self._retiring and topic == self._retire_marker_topic:
            self._client.ack(mid, qos)
            self.drained.set()
            return
        if not self._receiving:
            return
        try:
            text = topic.decode()
        except UnicodeDecodeError:  # the spec forbids it, a broken broker might not
            text = topic.decode("utf-8", "replace")
        self._on_inbound(Inbound(text, bytes(payload), mid, qos, self._session, time.monotonic(), retain))
