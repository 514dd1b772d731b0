"""Delivery channels behind one small interface: the in-app feed, signed webhooks and e-mail over SMTP."""

from __future__ import annotations

import json
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

import psycopg

from core.db import query
from core.errors import CarecastError
from notify.signing import signature


class DeliveryError(CarecastError):
    """A channel could not deliver; the outbox retries later."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """One dispatch on its way to one channel target."""

    delivery_key: str
    dispatch_id: int
    customer_id: int
    target: str
    locale: str
    subject: str
    body: str
    created_at: datetime


class Channel(Protocol):
    """Delivers an envelope or raises DeliveryError; must be safe to call again for the same delivery_key."""

    name: str

    def send(self, envelope: Envelope) -> str:
        """Deliver and return a short detail for the attempts log."""
        ...


class InAppChannel:
    """Writes the owner's in-app feed (read by the API); one feed item per dispatch, so retries are harmless."""

    name = "in_app"

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def send(self, envelope: Envelope) -> str:
        """Insert the feed item unless it is already there."""
        params = {
            "customer_id": envelope.customer_id,
            "dispatch_id": envelope.dispatch_id,
            "subject": envelope.subject,
            "body": envelope.body,
            "created_at": envelope.created_at,
        }
        inserted = self._conn.execute(query("notify", "insert_inbox_item"), params).rowcount
        return "stored" if inserted else "already stored"


class Poster(Protocol):
    """Sends one HTTP POST; returns the status code, raises DeliveryError when no answer came."""

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> int:
        """POST `body` with `headers` to `url` and return the HTTP status."""
        ...


class WebhookChannel:
    """POSTs JSON to the owner's webhook URL, signed with HMAC-SHA256; any non-2xx answer is a failure.

    The URL comes from customer data, so it goes through the same egress-checked poster as the centers' pushes
    (notify/push.py HttpPoster: public addresses only, checked on the address connected to, no redirects).
    """

    name = "webhook"

    def __init__(self, secret: bytes, *, poster: Poster) -> None:
        self._secret = secret
        self._poster = poster

    def send(self, envelope: Envelope) -> str:
        """Post the envelope once and return the HTTP status."""
        body = json.dumps(
            {
                "delivery_id": envelope.delivery_key,
                "dispatch_id": envelope.dispatch_id,
                "locale": envelope.locale,
                "subject": envelope.subject,
                "body": envelope.body,
                "created_at": envelope.created_at.isoformat(),
            },
            ensure_ascii=False,
        ).encode()
        timestamp = int(envelope.created_at.timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Carecast-Delivery": envelope.delivery_key,
            "X-Carecast-Timestamp": str(timestamp),
            "X-Carecast-Signature": signature(self._secret, timestamp=timestamp, body=body),
        }
        status = self._poster.post(envelope.target, body=body, headers=headers)
        if not 200 <= status < 300:
            raise DeliveryError(f"http {status}")
        return f"http {status}"


class EmailChannel:
    """Sends plain-text e-mail over SMTP; the Message-ID carries the delivery key so duplicates are detectable."""

    name = "email"

    def __init__(self, *, host: str, port: int, sender: str, timeout_s: float = 10.0) -> None:
        self._host, self._port, self._sender, self._timeout_s = host, port, sender, timeout_s

    def send(self, envelope: Envelope) -> str:
        """Hand the message to the SMTP server and return its acceptance."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = envelope.target
        message["Subject"] = envelope.subject
        message["Message-ID"] = f"<{envelope.delivery_key}@carecast>"
        message["Content-Language"] = envelope.locale
        message.set_content(envelope.body)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout_s) as smtp:
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp: {exc}") from exc
        return "accepted"
