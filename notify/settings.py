"""Settings of the notifier process (env prefix CARECAST_, e.g. CARECAST_NOTIFY__INTERVAL_S=30)."""

from __future__ import annotations

from datetime import time, timedelta

from pydantic import BaseModel, Field, SecretStr

from core.egress import EgressSettings
from core.messaging import MessagingSettings
from core.settings import BaseProcessSettings, OwnerLinkSettings
from notify.booking import BookingPolicy
from notify.outreach import OutreachParams
from notify.policy import CadencePolicy
from notify.signing import RetryPolicy
from notify.verification import VerifyParams


class NotifyOptions(BaseModel):
    """How often the notifier runs and how it chooses booking slots."""

    interval_s: float = Field(default=30.0, gt=0)
    # Risks handled per pass; the rest wait for the next pass.
    batch_limit: int = Field(default=500, gt=0)
    min_lead_minutes: int = Field(default=120, ge=0)
    horizon_days: int = Field(default=42, gt=0)
    max_centers: int = Field(default=4, gt=0)
    max_distance_km: float = Field(default=150.0, gt=0)
    preferred_bonus_km: float = Field(default=25.0, ge=0)
    default_restock_days: int = Field(default=7, ge=0)
    # Conversation cadence: re-reminders this many days after the first notice; quiet hours in the owner's zone.
    reminder_days: tuple[int, ...] = (7, 14)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    min_gap_hours: float = Field(default=24.0, ge=0)
    # Offers not taken within this time expire and are re-planned.
    offer_ttl_hours: float = Field(default=72.0, gt=0)
    # Channels: webhooks are signed with this secret (off when unset); e-mail is off without an SMTP host.
    webhook_secret: SecretStr | None = None
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_sender: str = "Carecast <care@carecast.invalid>"
    # A serviced fault is verified after this many days of telemetry without the rule firing again.
    verify_quiet_days: int = Field(default=7, gt=0)
    verify_grace_days: int = Field(default=3, ge=0)
    # Silent customers: no visit for this many days while driving on at least `outreach_active_days` of 30.
    outreach_silent_days: int = Field(default=365, gt=0)
    outreach_active_days: int = Field(default=12, ge=0, le=30)
    retry_base_s: float = Field(default=30.0, gt=0)
    retry_max_attempts: int = Field(default=8, gt=0)
    # Prometheus /metrics on this port of metrics_host; 0 = no metrics endpoint. Loopback by default: set
    # metrics_host to 0.0.0.0 (or the scrape network's address) only where the scraper runs elsewhere.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"

    def cadence(self) -> CadencePolicy:
        """Return the notification cadence these options describe."""
        return CadencePolicy(
            reminder_days=self.reminder_days,
            quiet_start=self.quiet_start,
            quiet_end=self.quiet_end,
            min_gap=timedelta(hours=self.min_gap_hours),
        )

    def verify(self) -> VerifyParams:
        """Return the telemetry verification parameters."""
        return VerifyParams(quiet_days=self.verify_quiet_days, grace_days=self.verify_grace_days)

    def outreach(self) -> OutreachParams:
        """Return when a customer counts as silent."""
        return OutreachParams(
            silent_for=timedelta(days=self.outreach_silent_days), active_days=self.outreach_active_days
        )

    def retry(self) -> RetryPolicy:
        """Return the delivery retry policy."""
        return RetryPolicy(base=timedelta(seconds=self.retry_base_s), max_attempts=self.retry_max_attempts)

    def booking_policy(self) -> BookingPolicy:
        """Return the booking policy these options describe."""
        return BookingPolicy(
            min_lead=timedelta(minutes=self.min_lead_minutes),
            horizon_days=self.horizon_days,
            max_centers=self.max_centers,
            max_distance_km=self.max_distance_km,
            preferred_bonus_km=self.preferred_bonus_km,
            default_restock_days=self.default_restock_days,
        )


class NotifySettings(BaseProcessSettings):
    """Settings of ``python -m notify``."""

    notify: NotifyOptions = Field(default_factory=NotifyOptions)
    # Where centers' webhooks may point (CARECAST_EGRESS__ALLOW_LOOPBACK; the API reads the same group).
    egress: EgressSettings = Field(default_factory=EgressSettings)
    # SMS, WeChat / app push, the e-mail reply address (CARECAST_MESSAGES__…, docs/messages.md).
    messages: MessagingSettings = Field(default_factory=MessagingSettings)
    # The owner page link each delivered care message carries (CARECAST_OWNER_LINKS__…, shared with the API).
    owner_links: OwnerLinkSettings = Field(default_factory=OwnerLinkSettings)


class MailInSettings(BaseProcessSettings):
    """Settings of ``carecast mail-in``: the database, logging and where replies are received."""

    messages: MessagingSettings = Field(default_factory=MessagingSettings)
