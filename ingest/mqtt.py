"""The broker side of ingest: a paho-mqtt 2 (MQTT v5) subscriber with a persistent session and manual acks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core.contracts import TELEMETRY_QOS
from ingest.settings import IngestSettings


@dataclass(frozen=True, slots=True)
class Inbound:
    """One received message; `session` tells which connection delivered it (acks only go back on that one)."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    session: int


class TelemetrySubscriber:
    """Subscribes to vehicle telemetry at QoS 1 and hands each message to `on_inbound`; never acks by itself.

    paho's network thread runs the callbacks. `ack()` may be called from another thread: it only appends the
    PUBACK to paho's outgoing deque and wakes the network loop (the same path publish() takes from any thread).
    """

    def __init__(self, settings: IngestSettings, *, on_inbound: Callable[[Inbound], None], log: Any) -> None:
        self._settings = settings
        self._on_inbound = on_inbound
        self._log = log
        self._session = 0
        self._receiving = True
        self.subscribed = threading.Event()
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        if settings.mqtt.username:
            password = settings.mqtt.password.get_secret_value() if settings.mqtt.password else None
            client.username_pw_set(settings.mqtt.username, password)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client

    def start(self) -> None:
        """Connect in the background (paho retries until the broker is reachable) and start the network thread."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self._settings.session_expiry_s
        props.ReceiveMaximum = self._settings.receive_maximum
        mqtt = self._settings.mqtt
        self._client.connect_async(
            mqtt.host, mqtt.port, mqtt.keepalive_s, clean_start=False, properties=props
        )
        self._client.loop_start()

    def stop_receiving(self) -> None:
        """Stop handing on messages; later ones stay unacked and the broker redelivers them to the next run."""
        self._receiving = False

    def ack(self, message: Inbound) -> None:
        """Send the PUBACK of a message, unless the connection that delivered it is gone (then it is redelivered)."""
        if message.qos > 0 and message.session == self._session:
            self._client.ack(message.mid, message.qos)

    def close(self) -> None:
        """Disconnect (after the queued acks have been sent) and stop the network thread."""
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
        topic_filter = self._settings.subscription_filter()
        client.subscribe(topic_filter, qos=TELEMETRY_QOS)
        self._log.info("mqtt_connected", session_present=flags.session_present, subscription=topic_filter)

    def _on_subscribe(
        self, client: paho.Client, userdata: Any, mid: int, reasons: list[Any], properties: Any
    ) -> None:
        failed = [str(r) for r in reasons if r.is_failure]
        if failed:
            self._log.error("mqtt_subscribe_failed", reasons=failed)
            return
        self._log.info("subscribed", subscription=self._settings.subscription_filter())
        self.subscribed.set()

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._log.info("mqtt_disconnected", reason=str(reason))

    def _on_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        if not self._receiving:
            return
        try:
            topic = msg.topic
        except UnicodeDecodeError:  # the spec forbids it, a broken broker might not
            topic = bytes(msg._topic).decode("utf-8", "replace")
        self._on_inbound(Inbound(topic, bytes(msg.payload), msg.mid, msg.qos, self._session))
