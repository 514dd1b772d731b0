"""The one place paho-mqtt clients are made: callback API 2, the broker account from MqttSettings, a client id.

Connecting stays with the caller (ingest connects in the background with MQTT 5 session properties, the
simulator and ``carecast up`` connect in the foreground). paho's private internals live in core/paho_adapter.py.
"""

from __future__ import annotations

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from core.settings import MqttSettings

MQTTv311 = MQTTProtocolVersion.MQTTv311
MQTTv5 = MQTTProtocolVersion.MQTTv5


def make_client(
    settings: MqttSettings,
    *,
    client_id: str,
    protocol: MQTTProtocolVersion = MQTTv311,
    clean_session: bool | None = None,
    manual_ack: bool = False,
) -> paho.Client:
    """Return a new, unconnected paho client logged in with the settings' username and password (if any).

    `clean_session` is MQTT 3.1.1 only (None: paho's default, a clean session); MQTT 5 sets `clean_start` when it
    connects instead.
    """
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
        protocol=protocol,
        manual_ack=manual_ack,
    )
    if settings.username:
        password = settings.password.get_secret_value() if settings.password else None
        client.username_pw_set(settings.username, password)
    return client
