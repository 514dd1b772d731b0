"""Settings of the API process and of the ``api.keys`` command."""

from __future__ import annotations

from pydantic import Field

from core.settings import BaseProcessSettings, MqttSettings


class ApiSettings(BaseProcessSettings):
    """Settings of ``python -m api``: database, broker (checked by /readyz only), logging, bind address."""

    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Seconds a request waits for a pooled connection before answering 503.
    pool_timeout_s: float = Field(default=5.0, gt=0)
    # Seconds each /readyz check (database, broker) may take before it counts as failed.
    readiness_timeout_s: float = Field(default=2.0, gt=0)


class KeysSettings(BaseProcessSettings):
    """Settings of ``python -m api.keys``: only the database and logging."""
