"""Settings of the simulator process (CARECAST_ prefix, nested groups with __)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.settings import BaseProcessSettings, MqttSettings


class PublishSettings(BaseModel):
    """How hard to push the broker (CARECAST_SIM__MAX_INFLIGHT, CARECAST_SIM__ACK_TIMEOUT_S)."""

    # Unacknowledged QoS 1 publishes allowed at once (paho's message ids wrap at 65,535).
    max_inflight: int = Field(default=1000, ge=1, le=20000)
    # Give up when the broker acknowledges nothing for this long.
    ack_timeout_s: float = Field(default=60.0, gt=0)


class SimulatorSettings(BaseProcessSettings):
    """The broker to publish to, the publishing limits, and the database to seed (from the base)."""

    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    sim: PublishSettings = Field(default_factory=PublishSettings)
