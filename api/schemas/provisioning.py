"""Bodies of the admin routes that issue and withdraw vehicles' MQTT credentials (api/routes/provisioning.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class MqttCredentials(BaseModel):
    """A vehicle's broker login, with its password: shown in this answer only, never stored or shown again."""

    vin: str
    username: str = Field(description="The broker user name (= the VIN)")
    password: str = Field(description="Shown once; Carecast keeps no copy")
    client_id: str = Field(description="The client id the broker uses for it (= the user name)")
    topic: str = Field(description="The only topic this vehicle may publish to")
    broker_host: str
    broker_port: int = Field(description="MQTT over TLS")
    rotated: bool = Field(
        description="True when the vehicle had credentials and the old password stopped working"
    )


class CredentialsWithdrawn(BaseModel):
    """What happened to a vehicle's broker account."""

    vin: str
    status: Literal["revoked", "deprovisioned", "none"] = Field(
        description="revoked: disabled, kept (POST again issues a new password); deprovisioned: deleted; "
        "none: it had no account"
    )
    revoked_at: datetime | None = None
