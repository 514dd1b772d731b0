"""Webhook push to service centers: deliver the outbox rows that migration 0016's trigger writes with every new
booking suggestion and migration 0037's with every center event (core/events.py: offers accepted, declined and
expired, case stages, negative feedback and its resolution, outreach outcomes, pings), signed per subscription like
notify's webhook channel, retried with backoff (at least once). During a secret rotation's grace period each push
carries two signatures, the new secret's first: ``X-Carecast-Signature: sha256=<new>, sha256=<old>``.

Runs as its own scheduled job in the notify process, on its own connection: a slow or dead receiver delays only
other pushes, never the notify pass. One failure of a subscription in a run skips its other pushes until the next
run, so a dead endpoint costs one timeout per run, not one per suggestion.

Only public addresses are pushed to (core/egress.py; the development setting CARECAST_EGRESS__ALLOW_LOOPBACK
adds this machine), checked here at delivery on the addresses the host resolves to now, whatever was checked at
registration. Subscriptions whose creating API key is revoked or expired get no pushes (migration 0023).

What a push records (`webhook_delivery.last_detail`, which could one day be shown to the center) must not make
Carecast a port scanner: it is "http NNN" for an answer, "refused: …" naming only what the URL itself says (the
literal address, or that the host name resolves to a private/loopback/… address, never which address), and
"unreachable" for every transport failure alike (name not found, connection refused, reset, timeout, TLS). The
precise cause goes to the operator's log (`notify.push_failed cause=…`).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
import structlog
from psycopg.rows import dict_row

from core.db import query
from core.egress import (
    Address,
    EgressRefused,
    EgressSettings,
    Target,
    check_host,
    check_resolved,
    connect_address,
    parse_target,
)
from domain.events import SUGGESTION_CREATED
from notify.channels import DeliveryError, Poster
from notify.signing import RetryPolicy, signature
from notify.sql import PUSH_DUE, PUSH_LOCK, PUSH_RECORD

EVENT_HEADER = "X-Carecast-Event-Id"


@dataclass(frozen=True, slots=True)
class PushReport:
    """What one push run did."""

    delivered: int
    retrying: int
    dead: int
    deferred: int
    elapsed_ms: int


# Returns the addresses a host name has (getaddrinfo's order); raises OSError when it has none.
Resolver = Callable[[str, int], Sequence[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Return the TCP addresses the system resolver gives for `host`, in its order (duplicates dropped)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PushRefused(DeliveryError):
    """The egress policy refused the destination: nothing was sent. `resolved` is for the operator's log only."""

    def __init__(self, detail: str, *, resolved: Sequence[str] = ()) -> None:
        super().__init__(detail)
        self.resolved = tuple(resolved)


class HttpPoster:
    """The real Poster. Resolves the host once, checks every address against the egress policy (core/egress.py)
    and connects to a checked address itself: no second lookup, so DNS cannot change between check and connect.
    TLS verification and SNI stay on the URL's host name; redirects are not followed (a 3xx is not a delivery).

    Failures are deliberately coarse (see the module's docstring): "refused: …" or just "unreachable".
    """

    def __init__(
        self,
        *,
        egress: EgressSettings,
        timeout_s: float = 5.0,
        resolve: Resolver = resolve_host,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._egress = egress
        self._timeout_s = timeout_s
        self._resolve = resolve
        self._tls = tls or ssl.create_default_context()

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> int:
        """POST once to a checked address of `url` and return the status (any status; only 2xx is delivered)."""
        try:
            target = parse_target(url)
            literal = check_host(target, policy=self._egress)
        except EgressRefused as exc:
            raise PushRefused(f"refused: {exc}") from exc
        resolved: Sequence[str] = ()
        if literal is None:
            try:
                resolved = self._resolve(target.host, target.port)
            except (OSError, UnicodeError) as exc:
                raise DeliveryError("unreachable") from exc
        try:
            checked = (
                (literal,) if literal is not None else check_resolved(target, resolved, policy=self._egress)
            )
        except EgressRefused as exc:
            raise PushRefused(f"refused: {exc}", resolved=resolved) from exc
        connection = self._connect(target, [connect_address(a) for a in checked])
        try:
            connection.request("POST", target.path, body=body, headers=dict(headers))
            return connection.getresponse().status
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise DeliveryError("unreachable") from exc
        finally:
            connection.close()

    def _connect(self, target: Target, addresses: Sequence[Address]) -> http.client.HTTPConnection:
        """Return a connection opened to the first of `addresses` that answers within the timeout (in total).

        Only the connect falls through to the next address: once the request is on the wire, a failure is
        final, so one attempt never sends the push twice."""
        deadline = time.monotonic() + self._timeout_s
        failure: Exception | None = None
        for address in addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            connection: http.client.HTTPConnection
            if target.scheme == "https":
                connection = _PinnedHTTPSConnection(target, address, timeout=remaining, tls=self._tls)
            else:
                connection = _PinnedHTTPConnection(target, address, timeout=remaining)
            try:
                connection.connect()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                failure = exc
                continue
            connection.sock.settimeout(self._timeout_s)  # from here on, per read and write
            return connection
        raise DeliveryError("unreachable") from failure


def _open_socket(address: Address, port: int, *, timeout: float | None) -> socket.socket:
    """Return a TCP socket connected to `address` itself (a numeric address: no name lookup happens here)."""
    sock = socket.socket(socket.AF_INET6 if address.version == 6 else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((str(address), port))
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """http.client's connection with the socket opened to a checked address; Host stays the URL's host."""

    def __init__(self, target: Target, address: Address, *, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = _open_socket(self._address, self.port, timeout=self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Like _PinnedHTTPConnection, then TLS verified against the URL's host name (also sent as SNI)."""

    def __init__(self, target: Target, address: Address, *, timeout: float, tls: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=tls)
        self._address = address
        self._pinned_tls = tls

    def connect(self) -> None:
        sock = _open_socket(self._address, self.port, timeout=self.timeout)
        try:
            self.sock = self._pinned_tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def push_headers(
    secret: bytes,
    *,
    event_id: str,
    body: bytes,
    timestamp: int,
    event_type: str = SUGGESTION_CREATED,
    previous_secret: bytes | None = None,
) -> dict[str, str]:
    """Return the headers of one push: event id (dedupe on it), type, timestamp and HMAC-SHA256 signature (two,
    comma-separated, while a rotated secret's previous one is in its grace period)."""
    signatures = [signature(secret, timestamp=timestamp, body=body)]
    if previous_secret is not None:
        signatures.append(signature(previous_secret, timestamp=timestamp, body=body))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Carecast-Webhook/1",
        EVENT_HEADER: event_id,
        "X-Carecast-Event": event_type,
        "X-Carecast-Timestamp": str(timestamp),
        "X-Carecast-Signature": ", ".join(signatures),
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
    due = conn.execute(query(PUSH_DUE), {"now": now, "limit": limit}).fetchall()
    failing: set[int] = set()
    delivered = retrying = dead = deferred = 0
    for delivery_id, webhook_id in due:
        if webhook_id in failing:
            deferred += 1  # stays due: the next run tries again
            continue
        with conn.transaction():
            with conn.cursor(row_factory=dict_row) as cur:
                row = cur.execute(query(PUSH_LOCK), {"id": delivery_id, "now": now}).fetchone()
            if row is None:
                continue  # delivered, cancelled or locked by another notify meanwhile
            ok, detail, cause = _attempt(poster, row=row, now=now)
            if not ok:
                failing.add(webhook_id)
                # The precise cause is for the operator's log only; the row keeps the coarse detail.
                log.warning(
                    "notify.push_failed",
                    delivery_id=delivery_id,
                    webhook_id=webhook_id,
                    error=detail,
                    cause=cause,
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
            conn.execute(query(PUSH_RECORD), params)
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


def _attempt(poster: Poster, *, row: Mapping, now: datetime) -> tuple[bool, str, str | None]:
    """Return (delivered, the detail recorded on the row, the precise cause for the log)."""
    body = row["body"].encode()
    previous = row["previous_secret"]
    headers = push_headers(
        row["secret"].encode(),
        event_id=row["event_id"],
        body=body,
        timestamp=int(now.timestamp()),
        event_type=row["type"],
        previous_secret=None if previous is None else previous.encode(),
    )
    try:
        status = poster.post(row["url"], body=body, headers=headers)
    except PushRefused as exc:
        return False, str(exc), f"resolved to {', '.join(exc.resolved)}" if exc.resolved else None
    except DeliveryError as exc:
        return False, str(exc), repr(exc.__cause__) if exc.__cause__ is not None else None
    except Exception as exc:
        # Per-push boundary: whatever goes wrong with one receiver is recorded and retried, never raised.
        return False, "internal error", repr(exc)
    return 200 <= status < 300, f"http {status}", None
