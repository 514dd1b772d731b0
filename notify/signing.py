"""Webhook signatures (pure): HMAC-SHA256 over "{timestamp}.{body}", sent as ``X-Carecast-Signature: sha256=…``."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta


def signature(secret: bytes, *, timestamp: int, body: bytes) -> str:
    """Return the signature header value of a webhook body sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: bytes, *, timestamp: int, body: bytes, header: str) -> bool:
    """Return True when `header` (one signature, or several comma-separated during a secret rotation) holds the
    signature of `body` at `timestamp` with `secret` (constant-time comparisons)."""
    expected = signature(secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, value.strip()) for value in header.split(","))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff of failed deliveries: base, doubling, capped; dead after max_attempts."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=6)
    max_attempts: int = 8

    def next_attempt(self, *, attempts: int, now: datetime) -> datetime | None:
        """Return when to try again after `attempts` failures, None when the delivery is dead."""
        if attempts >= self.max_attempts:
            return None
        return now + min(self.cap, self.base * 2 ** (attempts - 1))
