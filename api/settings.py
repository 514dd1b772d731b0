"""Settings of the API process and of the ``api.keys`` command (env prefix CARECAST_, e.g. CARECAST_API__PORT)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from core.egress import EgressSettings
from core.messaging import MessagingSettings
from core.settings import (
    BaseProcessSettings,
    MasterdataSettings,
    MqttSettings,
    OwnerLinkSettings,
    PickupSettings,
    ProvisioningSettings,
    SohSettings,
)


class ApiOptions(BaseModel):
    """The API's own knobs: bind address, waits, rate limits and the secret behind sessions and feed links."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Seconds a request waits for a pooled connection before answering 503.
    pool_timeout_s: float = Field(default=5.0, gt=0)
    # Seconds each /readyz check (database, broker) may take before it counts as failed.
    readiness_timeout_s: float = Field(default=2.0, gt=0)
    # Token bucket per API key / owner token: sustained requests per second and the burst allowed on top.
    # In-process: with several API instances behind a balancer each instance has its own buckets.
    rate_per_s: float = Field(default=50.0, gt=0)
    rate_burst: int = Field(default=100, ge=1)
    # The suggested-bookings feed's in-process caches (api/feed/cache.py), kept honest by LISTEN/NOTIFY: pages
    # and API key principals are dropped on the notification of a change; these ages are only backstops.
    feed_cache: bool = True
    feed_cache_max_age_s: float = Field(default=60.0, gt=0)
    feed_cache_max_mb: float = Field(default=64.0, gt=0)
    key_cache_max_age_s: float = Field(default=30.0, gt=0)
    # Seconds between reconnection attempts of the listener; the caches are off while it is not listening.
    feed_listener_retry_s: float = Field(default=1.0, gt=0)
    # Signs advisor session cookies and calendar feed links. Unset: a random secret per process start, so
    # sessions and feed links stop working when the process restarts (set it in production).
    secret: SecretStr | None = None
    # Largest request body accepted (bytes); bigger ones get 413 before routing and authentication. The largest
    # legitimate bodies are a booking completion with 50 parts and a survey answer with 2,000 characters of text,
    # both well under 64 KiB even with every character JSON-escaped (see docs/api.md, "Request bodies").
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Largest photo an owner may attach to a request (decoded bytes; larger: 413). It travels base64-encoded in
    # the JSON body (a third larger), so it must stay under max_body_bytes: raise both together.
    request_photo_max_bytes: int = Field(default=40 * 1024, ge=1024, le=4 * 1024 * 1024)
    # Advisor page sessions last this long.
    session_hours: float = Field(default=12.0, gt=0)
    # Send the session cookie only over HTTPS (turn off for plain-HTTP development).
    cookie_secure: bool = True


class ApiSettings(BaseProcessSettings):
    """Settings of ``python -m api``: database, broker (checked by /readyz only), logging and the API group."""

    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    api: ApiOptions = Field(default_factory=ApiOptions)
    # Which webhook URLs a center may register (the same policy notify applies at delivery).
    egress: EgressSettings = Field(default_factory=EgressSettings)
    # The traction battery's end-of-life threshold the owner's health summary and SOH chart show (shared with the
    # EV battery rule in detection).
    soh: SohSettings = Field(default_factory=SohSettings)
    # Provider callbacks (receipts, inbound SMS) and the size of an owner's reply (CARECAST_MESSAGES__…).
    messages: MessagingSettings = Field(default_factory=MessagingSettings)
    # The owner page (/o/<token>): public URL, link lifetime, the reschedule/cancel cutoff (shared with notify).
    owner_links: OwnerLinkSettings = Field(default_factory=OwnerLinkSettings)
    # Pickup and delivery: the average city speed that turns distance into driving time (docs/owner-booking.md).
    pickup: PickupSettings = Field(default_factory=PickupSettings)
    # Limits of POST /v1/admin/import/{entity} (shared with `carecast import`).
    masterdata: MasterdataSettings = Field(default_factory=MasterdataSettings)
    # The broker's provisioning admin for /v1/admin/vehicles/{vin}/mqtt-credentials (docs/provisioning.md).
    provisioning: ProvisioningSettings = Field(default_factory=ProvisioningSettings)


class KeysSettings(BaseProcessSettings):
    """Settings of ``python -m api.keys``: the database, logging and the owner links it may mint."""

    owner_links: OwnerLinkSettings = Field(default_factory=OwnerLinkSettings)
