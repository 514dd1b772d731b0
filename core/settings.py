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


class ProvisioningSettings(BaseModel):
    """The broker's provisioning admin (dynamic-security plugin) and the endpoint vehicles are told to use.

    Host and port unset: those of MqttSettings (the internal listener). docs/provisioning.md.
    """

    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    username: str = "carecast-provision"
    password: SecretStr | None = None
    # Seconds to wait for the broker's CONNACK and for each dynamic-security reply.
    timeout_s: float = Field(default=10.0, gt=0)
    # What the credentials file and the API answer tell a vehicle: the broker's public name and TLS port.
    vehicle_host: str = "mqtt.example.com"
    vehicle_port: int = Field(default=8883, ge=1, le=65535)


class SohSettings(BaseModel):
    """The traction battery's end of life, read by detection (the EV battery rule) and the API (health, chart)."""

    # State of health (%) below which a traction battery is due for a check: the rule alerts on the crossing and
    # the owner's chart draws this line. One setting for both processes, so the chart never disagrees with the risk.
    threshold_pct: float = Field(default=DEFAULT_THRESHOLD_PCT, gt=0, lt=100)


class OwnerLinkSettings(BaseModel):
    """The owner page links in care messages (core/owner_links.py): where they point, how long they work, and the
    center's rule for changing a booking from the page."""

    # The public base URL of the API as an owner's phone reaches it; links are <public_url>/o/<token>.
    public_url: str = "http://127.0.0.1:8000"
    # A link stops working this many days after it was minted (the page then says so and asks for a new one).
    ttl_days: int = Field(default=30, ge=1, le=366)
    # Owners may reschedule or cancel a booked visit from the page until this many hours before its slot.
    change_cutoff_hours: float = Field(default=24.0, ge=0)


class PickupSettings(BaseModel):
    """Pickup and delivery (domain/pickup.py), read by the API when an owner books with pickup."""

    # Average door-to-door city driving speed: the driving time each way = great-circle distance / this speed.
    speed_kmh: float = Field(default=25.0, gt=0, le=200)


class RetentionSettings(BaseModel):
    """How long what accumulates is kept (docs/privacy.md), applied by detection's leader (core/retention.py).

    Raw telemetry is always limited; the daily rollups (telemetry_daily: the anonymous statistics) are never
    deleted by it. Ingest rejects have their own knob, CARECAST_INGEST__REJECT_RETENTION_DAYS (ingest owns them).
    """

    # Raw telemetry older than this is deleted (TimescaleDB: whole chunks dropped, and its retention policy from
    # migration 0003 kept at the same age). Keep CARECAST_INGEST__RETENTION_DAYS equal: older samples are refused.
    telemetry_days: int = Field(default=400, ge=1)
    # Dispatches with their deliveries, delivery attempts, in-app items and messages older than this are deleted
    # (never those of a still-open risk, nor a delivery still pending); 0 = keep them forever.
    messages_days: int = Field(default=365, ge=0)
    # Answers remembered for Idempotency-Key replays (idempotency_record) older than this are deleted; 0 = forever.
    idempotency_days: int = Field(default=30, ge=0)
    # Center events (webhook events: offers, stages, feedback, outreach) and their finished deliveries older than
    # this are deleted (an event still pending delivery stays); 0 = forever.
    events_days: int = Field(default=90, ge=0)
    # Seconds between two runs (the first at start).
    interval_s: float = Field(default=3600.0, gt=0)


class ForecastSettings(BaseModel):
    """The weather-forecast provider (core.open_meteo) and the coordinates of each vehicle region it is asked for."""

    # An Open-Meteo compatible /v1/forecast endpoint (without stored forecasts the seasonal rules read the car's own
    # thermometer alone).
    url: str = "https://api.open-meteo.com/v1/forecast"
    # How often detection's leader fetches every region's forecast from `url` (0: never; the seasonal rules then
    # read the cars' own thermometers alone). Open-Meteo issues new forecasts every hour or so; 21600 = 6 h.
    refresh_s: float = Field(default=0.0, ge=0)
    horizon_days: int = Field(default=10, ge=1, le=15)
    timeout_s: float = Field(default=10.0, gt=0)
    # region code (vehicle.region) -> [latitude, longitude]
    regions: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {
            "harbin": (45.803, 126.535), "beijing": (39.904, 116.407), "shanghai": (31.230, 121.474),
            "guangzhou": (23.129, 113.264), "chengdu": (30.659, 104.066), "urumqi": (43.825, 87.617),
        }
    )  # fmt: skip


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


class MasterdataSettings(BaseModel):
    """Limits of the master-data import (``carecast import`` and ``POST /v1/admin/import/{entity}``)."""

    # Larger files are refused before a byte is read: split them (the import is one transaction).
    max_file_mb: float = Field(default=200.0, gt=0)
    # Rows per upsert statement (one log line each); bench/masterdata.py measures the throughput.
    batch_rows: int = Field(default=5000, ge=1, le=100_000)
    # Bad rows listed in a report; the count of all of them is always given.
    max_errors: int = Field(default=1000, ge=1)


class ImportSettings(BaseProcessSettings):
    """Settings of ``carecast import``."""

    masterdata: MasterdataSettings = Field(default_factory=MasterdataSettings)


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
