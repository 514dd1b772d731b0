"""Settings of the ingest process (``python -m ingest``).

The ingester's own knobs live in the nested group ``ingest`` (``CARECAST_INGEST__BATCH_ROWS`` ...) because every
process shares one environment under ``carecast up``, like ``CARECAST_DETECTION__...`` and ``CARECAST_NOTIFY__...``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from core.contracts import telemetry_subscription
from core.settings import BaseProcessSettings, MqttSettings


class IngestTuning(BaseModel):
    """Batching, flow control, payload limits and retries of the ingester."""

    # Fixed so the broker keeps our persistent session (and its unacked messages) across restarts. With shared
    # subscriptions every instance needs its own id, e.g. carecast-ingest-1, carecast-ingest-2.
    client_id: str = "carecast-ingest"
    # Subscription filter; empty = {root}/+/telemetry. Several instances share the load with
    # "$share/carecast/{root}/+/telemetry".
    subscription: str = ""
    # How long the broker keeps our session (and queues QoS 1 messages for us) while we are away.
    session_expiry_s: int = Field(default=7 * 24 * 3600, ge=0)
    # MQTT v5 Receive Maximum: unacked messages the broker may have in flight to us. Kept below queue_max so
    # on_message never blocks the network thread, and above a batch's worth of messages.
    receive_maximum: int = Field(default=10000, ge=1, le=65535)
    batch_rows: int = Field(default=5000, ge=1)
    batch_ms: int = Field(default=200, ge=1)
    queue_max: int = Field(default=20000, ge=1)
    # Writer threads, each with its own database connection: one sends a batch while the database commits
    # another's (acks still go out in arrival order). 1 = strictly one batch at a time.
    writers: int = Field(default=2, ge=1, le=8)
    max_payload_bytes: int = Field(default=262144, ge=1)
    # Clock skew tolerated for samples stamped in the future.
    max_future_s: float = Field(default=300, ge=0)
    # Samples older than the raw-telemetry retention (TimescaleDB drops chunks after 400 days, migration 0003)
    # would be deleted by the next retention run, or land in a compressed chunk: they are rejected as ts_too_old.
    retention_days: int = Field(default=400, ge=1)
    # Database retry backoff: first wait, cap.
    retry_initial_s: float = Field(default=0.2, gt=0)
    retry_max_s: float = Field(default=30.0, gt=0)
    # On shutdown, how long to keep retrying a batch the database refuses before leaving it unacked
    # (the broker redelivers it to the next run).
    shutdown_grace_s: float = Field(default=30.0, ge=0)
    # VIN -> vehicle_id: how long an unknown VIN is remembered as unknown before asking the database again.
    unknown_vin_ttl_s: float = Field(default=60.0, ge=0)
    # Prometheus /metrics on this port of metrics_host; 0 = no metrics endpoint. Loopback by default: set
    # metrics_host to 0.0.0.0 (or the scrape network's address) only where the scraper runs elsewhere.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    # Rows of ingest_reject older than this many days are deleted (0 = keep them forever); checked at start and
    # then every reject_prune_interval_s.
    reject_retention_days: int = Field(default=30, ge=0)
    reject_prune_interval_s: float = Field(default=3600.0, gt=0)
    # Retained "online"/"offline" status (with an MQTT last will); empty = {topic_root}/ingest/{client_id}/status.
    status_topic: str = ""
    # SIGTERM retires this instance instead of just stopping it: unsubscribe, drain what the broker still queues
    # for it, then end its session (scaling a shared subscription down for good; SIGUSR1 always retires).
    retire_on_stop: bool = False

    @model_validator(mode="after")
    def _receive_window_fits_queue(self) -> IngestTuning:
        if self.receive_maximum > self.queue_max:
            raise ValueError(
                "receive_maximum must not exceed queue_max (on_message would block the network thread)"
            )
        return self


class IngestSettings(BaseProcessSettings):
    """Everything the ingester needs: database, broker and its own tuning group."""

    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    ingest: IngestTuning = Field(default_factory=IngestTuning)

    def subscription_filter(self) -> str:
        """Return the topic filter to subscribe to."""
        return self.ingest.subscription or telemetry_subscription(self.mqtt.topic_root)

    def status_topic(self) -> str:
        """Return the retained status topic of this instance."""
        return self.ingest.status_topic or f"{self.mqtt.topic_root}/ingest/{self.ingest.client_id}/status"

    def retire_topic(self) -> str:
        """Return the topic of this instance's own retire marker (see TelemetrySubscriber.retire)."""
        return f"{self.mqtt.topic_root}/ingest/{self.ingest.client_id}/retire"

    def tuned(self, **changes: object) -> IngestSettings:
        """Return a copy with some `ingest` knobs changed (validated)."""
        tuning = IngestTuning.model_validate({**self.ingest.model_dump(), **changes})
        return self.model_copy(update={"ingest": tuning})
