"""Verification by telemetry (pure): after a confirmed fault was serviced, the fix counts as verified once the
risk's rule has stayed silent for `quiet_days` days of data; a rule firing again after the grace period means
the fault came back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Verdict = Literal["verified", "refired", "waiting"]


@dataclass(frozen=True, slots=True)
class VerifyParams:
    """Days of telemetry needed after the service; days after it when the rule may still echo old readings."""

    quiet_days: int = 7
    grace_days: int = 3


def verdict(
    *,
    serviced_at: datetime,
    risk_status: str,
    last_seen_at: datetime,
    days_with_data: int,
    params: VerifyParams,
) -> Verdict:
    """Return whether the service is verified, the fault re-fired, or more data is needed.

    `days_with_data` counts days with telemetry after the grace period; `last_seen_at` is the rule's last firing.
    """
    fired_again = risk_status == "open" and last_seen_at > serviced_at + timedelta(days=params.grace_days)
    if fired_again:
        return "refired"
    return "verified" if days_with_data >= params.quiet_days else "waiting"
