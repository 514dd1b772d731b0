"""Settings groups shared by every process.

Each process defines its own ``Settings`` class (prefix ``CARECAST_``, nested groups with ``__``) from these
groups, builds it once in ``__main__`` (or ``create_app``) and passes it down.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseModel):
    """Where PostgreSQL/TimescaleDB is. Passwords come from PGPASSWORD or ~/.pgpass, never from this URL in git."""

    url: str = "postgresql://postgres@127.0.0.1:5432/carecast"
    pool_min: int = 1
    pool_max: int = 4
    # auto: use TimescaleDB when the extension can be created, otherwise plain PostgreSQL.
    timescale: Literal["auto", "on", "off"] = "auto"


class MqttSettings(BaseModel):
    """How to reach the broker and which topics carry telemetry."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: SecretStr | None = None
    # Topic root; the full topic is {topic_root}/{VIN}/telemetry. Tests use a private prefix per run.
    topic_root: str = "dt/carecast"
    keepalive_s: int = 30


class LogSettings(BaseModel):
    """Log level and format (json when stdout is not a terminal unless forced)."""

    level: str = "INFO"
    format: Literal["auto", "json", "console"] = "auto"


class BaseProcessSettings(BaseSettings):
    """Common base: env prefix, nested delimiter, an optional .env file."""

    model_config = SettingsConfigDict(
        env_prefix="CARECAST_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    log: LogSettings = Field(default_factory=LogSettings)


class MigrateSettings(BaseProcessSettings):
    """Settings of ``carecast migrate``."""
