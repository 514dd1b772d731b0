"""Settings of the notifier process (env prefix CARECAST_, e.g. CARECAST_NOTIFY__INTERVAL_S=30)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field

from core.settings import BaseProcessSettings
from notify.booking import BookingPolicy


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
