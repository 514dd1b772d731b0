"""The MQTT contract between vehicles and ingest: topic scheme, QoS and payload version (docs/mqtt-contract.md)."""

from __future__ import annotations

TELEMETRY_QOS = 1
TELEMETRY_SUFFIX = "telemetry"
PAYLOAD_VERSION = 1


def telemetry_topic(topic_root: str, vin: str) -> str:
    """Return the topic a vehicle publishes its telemetry to: {root}/{VIN}/telemetry."""
    return f"{topic_root}/{vin}/{TELEMETRY_SUFFIX}"


def telemetry_subscription(topic_root: str) -> str:
    """Return the subscription filter matching every vehicle's telemetry topic."""
    return f"{topic_root}/+/{TELEMETRY_SUFFIX}"


def vin_from_topic(topic_root: str, topic: str) -> str | None:
    """Return the VIN segment of a telemetry topic, or None when the topic does not follow the scheme."""
    prefix = topic_root + "/"
    if not topic.startswith(prefix) or not topic.endswith("/" + TELEMETRY_SUFFIX):
        return None
    middle = topic[len(prefix) : -len(TELEMETRY_SUFFIX) - 1]
    return middle if "/" not in middle else None
