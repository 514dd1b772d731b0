"""Settings groups shared by every process.

Each process defines its own ``Settings`` class (prefix ``CARECAST_``, nested groups with ``__``) from these
groups, builds it once in ``__main__`` (or ``create_app``) and passes it down.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Literal, get_args, get_origin

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.soh_trend import DEFAULT_THRESHOLD_PCT


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


class SohSettings(BaseModel):
    """The traction battery's end of life, read by detection (the EV battery rule) and the API (health, chart)."""

    # State of health (%) below which a traction battery is due for a check: the rule alerts on the crossing and
    # the owner's chart draws this line. One setting for both processes, so the chart never disagrees with the risk.
    threshold_pct: float = Field(default=DEFAULT_THRESHOLD_PCT, gt=0, lt=100)


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


def _names_of(model: type[BaseModel], prefix: str) -> tuple[set[str], set[str]]:
    """Return (variable names, open prefixes) that `model` reads under `prefix` (nested groups joined by ``__``)."""
    names: set[str] = set()
    open_prefixes: set[str] = set()
    for field_name, field in model.model_fields.items():
        name = f"{prefix}{field_name.upper()}"
        names.add(name)  # a whole group may also be given as one JSON value
        for kind in (field.annotation, *get_args(field.annotation)):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                inner, inner_open = _names_of(kind, f"{name}__")
                names |= inner
                open_prefixes |= inner_open
            elif get_origin(kind) in (dict, Mapping) or kind is dict:
                # free-form keys, e.g. CARECAST_DETECTION__RULES__<rule>__<parameter>
                open_prefixes.add(f"{name}__")
    return names, open_prefixes


def unknown_variables(
    names: Iterable[str],
    models: Iterable[type[BaseModel]],
    *,
    also: Iterable[str] = (),
    prefix: str = "CARECAST_",
) -> list[tuple[str, str | None]]:
    """Return (name, closest known name or None) for every `prefix`ed name that none of `models` reads.

    Matching is case-insensitive, like pydantic-settings; `also` lists variables read outside the settings.
    """
    known = {n.upper() for n in also}
    open_prefixes: set[str] = set()
    for model in models:
        found, found_open = _names_of(model, prefix)
        known |= found
        open_prefixes |= found_open
    # Compare what follows the prefix: every name shares it, which would make any two names look alike.
    tails = {n[len(prefix) :]: n for n in known}
    out = []
    for name in names:
        upper = name.upper()
        if not upper.startswith(prefix) or upper in known or upper.startswith(tuple(open_prefixes)):
            continue
        close = difflib.get_close_matches(upper[len(prefix) :], tails, n=1, cutoff=0.6)
        out.append((name, tails[close[0]] if close else None))
    return out
