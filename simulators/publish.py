"""Publishing telemetry payloads at QoS 1 with a bounded number of unacknowledged messages."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from types import TracebackType

import orjson
import paho.mqtt.client as paho

from core.contracts import PAYLOAD_VERSION, TELEMETRY_QOS, telemetry_topic
from core.mqtt import make_client
from core.settings import MqttSettings
from simulators.errors import PublishError
from simulators.models import Sample


@dataclass(frozen=True, slots=True)
class PublishReport:
    """What one publishing run sent; every message counted here was acknowledged by the broker."""

    vehicles: int
    samples: int
    messages: int
    seconds: float


def encode(vin: str, samples: list[Sample]) -> bytes:
    """Return the JSON payload of one telemetry message (timestamps as RFC 3339 with offset)."""
    return orjson.dumps({"v": PAYLOAD_VERSION, "vin": vin, "samples": samples})


class Publisher:
    """A paho client that publishes telemetry and counts PUBACKs.

    At most `max_inflight` publishes wait for their PUBACK at once: paho keeps every unacknowledged QoS 1 message
    in memory, and its message ids wrap at 65,535, so an unbounded producer would overwrite pending messages.
    """

    def __init__(
        self, settings: MqttSettings, *, max_inflight: int = 1000, ack_timeout_s: float = 60.0
    ) -> None:
        self._settings = settings
        self._max_inflight = max_inflight
        self._ack_timeout_s = ack_timeout_s
        self._cond = threading.Condition()
        self._sent = 0
        self._acked = 0
        self._connected = False
        self._refused: str | None = None
        self.samples = 0
        self.vins: set[str] = set()
        # Unique per run with a clean session: a simulator keeps no broker-side state between runs.
        self._client = make_client(
            settings, client_id=f"carecast-sim-{uuid.uuid4().hex[:12]}", clean_session=True
        )
        self._client.max_inflight_messages_set(max_inflight)
        self._client.max_queued_messages_set(0)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:  # noqa: ANN001
        with self._cond:
            if reason_code.is_failure:
                self._refused = str(reason_code)
            else:
                self._connected = True
            self._cond.notify_all()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:  # noqa: ANN001
        with self._cond:
            self._connected = False
            self._cond.notify_all()

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:  # noqa: ANN001
        with self._cond:
            self._acked += 1
            self._cond.notify_all()

    def _wait(self, ready, what: str) -> None:  # noqa: ANN001
        """Wait on the condition until `ready()`; fail when nothing moves for ack_timeout_s."""
        with self._cond:
            last_acked, deadline = self._acked, time.monotonic() + self._ack_timeout_s
            while not ready():
                if self._refused:
                    raise PublishError(f"broker refused the connection: {self._refused}")
                if self._acked != last_acked:
                    last_acked, deadline = self._acked, time.monotonic() + self._ack_timeout_s
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishError(f"no progress for {self._ack_timeout_s}s waiting for {what}")
                self._cond.wait(remaining)

    def __enter__(self) -> Publisher:
        try:
            self._client.connect(
                self._settings.host, self._settings.port, keepalive=self._settings.keepalive_s
            )
        except OSError as exc:
            raise PublishError(f"cannot reach {self._settings.host}:{self._settings.port}: {exc}") from exc
        self._client.loop_start()
        self._wait(lambda: self._connected, "the connection")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def messages(self) -> int:
        """Return how many messages were handed to the client so far."""
        return self._sent

    def publish(self, vin: str, samples: list[Sample]) -> None:
        """Publish one message with `samples` to the vehicle's topic, waiting while too many are unacknowledged."""
        payload = encode(vin, samples)
        self._wait(lambda: self._sent - self._acked < self._max_inflight, "room for another publish")
        with self._cond:
            self._sent += 1
        info = self._client.publish(
            telemetry_topic(self._settings.topic_root, vin), payload, qos=TELEMETRY_QOS
        )
        # NO_CONN is fine: paho queues QoS 1 messages and sends them after the automatic reconnect.
        if info.rc not in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN):
            raise PublishError(f"publish failed: {paho.error_string(info.rc)}")
        self.samples += len(samples)
        self.vins.add(vin)

    def flush(self) -> None:
        """Return once the broker has acknowledged every publish so far."""
        self._wait(lambda: self._acked >= self._sent, "the last acknowledgements")
