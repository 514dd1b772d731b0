"""Webhook push to service centers: deliver the outbox rows that migration 0016's trigger writes with every new
booking suggestion, signed per subscription like notify's webhook channel, retried with backoff (at least once).

Runs as its own scheduled job in the notify process, on its own connection: a slow or dead receiver delays only
other pushes, never the notify pass. One failure of a subscription in a run skips its other pushes until the next
run, so a dead endpoint costs one timeout per run, not one per suggestion.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import psycopg
import structlog
from psycopg.rows import dict_row

from core.db import query
from notify.channels import DeliveryError
from notify.signing import RetryPolicy, signature

EVENT_HEADER = "X-Carecast-Event-Id"


@dataclass(frozen=True, slots=True)
class PushReport:
    """What one push run did."""

    delivered: int
    retrying: int
    dead: int
    deferred: int
    elapsed_ms: int


class Poster(Protocol):
    """Sends one HTTP POST; returns the status code, raises DeliveryError when no answer came."""

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> int:
        """POST `body` with `headers` to `url` and return the HTTP status."""
        ...


class HttpPoster:
    """The real Poster: urllib with a timeout, no redirects followed (a 3xx is not a delivery)."""

    def __init__(self, *, timeout_s: float = 5.0) -> None:
        self._timeout_s = timeout_s
        self._opener = urllib.request.build_opener(_NoRedirect)

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> int:
        """POST once and return the status (any status; only 2xx counts as delivered)."""
        request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DeliveryError(f"unreachable: {exc}") from exc


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def push_headers(secret: bytes, *, event_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    """Return the headers of one push: event id (dedupe on it), timestamp and HMAC-SHA256 signature."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Carecast-Webhook/1",
        EVENT_HEADER: event_id,
        "X-Carecast-Event": "booking_suggestion.created",
        "X-Carecast-Timestamp": str(timestamp),
        "X-Carecast-Signature": signature(secret, timestamp=timestamp, body=body),
    }


def deliver_pushes(
    conn: psycopg.Connection,
    *,
    poster: Poster,
    now: datetime,
    retry: RetryPolicy,
    log: structlog.stdlib.BoundLogger,
    limit: int = 200,
) -> PushReport:
    """Try each due push once (one transaction each) on an autocommit connection; return the counts."""
    if not conn.autocommit:
        raise ValueError("deliver_pushes needs an autocommit connection: it commits one transaction per push")
    started = time.monotonic()
    due = conn.execute(query("notify", "push_due"), {"now": now, "limit": limit}).fetchall()
    failing: set[int] = set()
    delivered = retrying = dead = deferred = 0
    for delivery_id, webhook_id in due:
        if webhook_id in failing:
            deferred += 1  # stays due: the next run tries again
            continue
        with conn.transaction():
            with conn.cursor(row_factory=dict_row) as cur:
                row = cur.execute(query("notify", "push_lock"), {"id": delivery_id}).fetchone()
            if row is None:
                continue  # delivered, cancelled or locked by another notify meanwhile
            ok, detail = _attempt(poster, row=row, now=now)
            if not ok:
                failing.add(webhook_id)
                log.warning(
                    "notify.push_failed", delivery_id=delivery_id, webhook_id=webhook_id, error=detail
                )
            next_at = None if ok else retry.next_attempt(attempts=row["attempts"] + 1, now=now)
            status = "delivered" if ok else ("pending" if next_at is not None else "dead")
            params = {
                "id": delivery_id,
                "status": status,
                "next_at": next_at,
                "ok": ok,
                "now": now,
                "detail": detail[:500],
            }
            conn.execute(query("notify", "push_record"), params)
        delivered += ok
        retrying += status == "pending"
        dead += status == "dead"
    report = PushReport(delivered, retrying, dead, deferred, int((time.monotonic() - started) * 1000))
    # Runs every few seconds: an idle run logs at debug only, so the log shows pushes, not heartbeats.
    (log.info if due else log.debug)(
        "notify.push",
        now=now.isoformat(),
        due=len(due),
        delivered=delivered,
        retrying=retrying,
        dead=dead,
        deferred=deferred,
        elapsed_ms=report.elapsed_ms,
    )
    return report


def _attempt(poster: Poster, *, row: Mapping, now: datetime) -> tuple[bool, str]:
    body = row["body"].encode()
    headers = push_headers(
        row["secret"].encode(), event_id=row["event_id"], body=body, timestamp=int(now.timestamp())
    )
    try:
        status = poster.post(row["url"], body=body, headers=headers)
    except DeliveryError as exc:
        return False, str(exc)
    except Exception as exc:
        # Per-push boundary: whatever goes wrong with one receiver is recorded and retried, never raised.
        return False, f"{type(exc).__name__}: {exc}"
    return 200 <= status < 300, f"http {status}"
