"""Per-credential token buckets (pure: the caller passes the clock reading in).

The buckets live in one process. Several API instances behind a balancer each keep their own, so a key may get
up to N times the configured rate; deployments that must enforce one global rate need a shared limiter (at the
gateway, or in Redis/PostgreSQL) in front of the API.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

# Buckets kept at most; the least recently used are dropped (a dropped bucket just starts full again).
_MAX_BUCKETS = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per key: `rate_per_s` tokens refill each second up to `burst`; one request takes one."""

    def __init__(self, *, rate_per_s: float, burst: int) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self.rate = rate_per_s
        self.burst = float(burst)
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float) -> float:
        """Take one token for `key` at monotonic time `now`; return 0 when allowed, else seconds to wait."""
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(tokens=self.burst, at=now)
            bucket.tokens = min(self.burst, bucket.tokens + max(0.0, now - bucket.at) * self.rate)
            bucket.at = now
            self._buckets[key] = bucket
            if len(self._buckets) > _MAX_BUCKETS:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


def retry_after_header(wait_s: float) -> str:
    """Return the Retry-After value (whole seconds, at least 1) for a wait."""
    return str(max(1, math.ceil(wait_s)))
