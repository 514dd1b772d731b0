"""Delivery channels behind one small interface: the in-app feed, signed webhooks, e-mail over SMTP (with a
Reply-To that routes the owner's answer back to the center), SMS through an HTTP gateway and WeChat template
messages / OEM-app push through a signed webhook (docs/messages.md)."""

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
from core.messaging import reply_address
from notify.signing import signature
from notify.sql import INSERT_INBOX_ITEM


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
        inserted = self._conn.execute(query(INSERT_INBOX_ITEM), params).rowcount
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
        return post_signed(self._poster, envelope.target, body=body, envelope=envelope, secret=self._secret)


def post_signed(poster: Poster, url: str, *, body: bytes, envelope: Envelope, secret: bytes) -> str:
    """POST a JSON body signed as every Carecast push is (notify/signing.py); return the provider's answer.

    The receiver checks ``X-Carecast-Signature`` over the timestamp and body and drops repeats by
    ``X-Carecast-Delivery``; anything but a 2xx is a DeliveryError (retried by the outbox)."""
    timestamp = int(envelope.created_at.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Carecast-Delivery": envelope.delivery_key,
        "X-Carecast-Timestamp": str(timestamp),
        "X-Carecast-Signature": signature(secret, timestamp=timestamp, body=body),
    }
    status = poster.post(url, body=body, headers=headers)
    if not 200 <= status < 300:
        raise DeliveryError(f"http {status}")
    return f"http {status}"


class EmailChannel:
    """Sends plain-text e-mail over SMTP; the Message-ID carries the delivery key so duplicates are detectable."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        timeout_s: float = 10.0,
        reply_secret: bytes | None = None,
        reply_domain: str = "reply.carecast.invalid",
    ) -> None:
        self._host, self._port, self._sender, self._timeout_s = host, port, sender, timeout_s
        self._reply_secret, self._reply_domain = reply_secret, reply_domain

    def send(self, envelope: Envelope) -> str:
        """Hand the message to the SMTP server and return its acceptance."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = envelope.target
        message["Subject"] = envelope.subject
        message["Message-ID"] = f"<{envelope.delivery_key}@carecast>"
        message["Content-Language"] = envelope.locale
        if self._reply_secret is not None:
            # `carecast mail-in` receives the answer and puts it on the center's feed (core/messaging.py).
            message["Reply-To"] = reply_address(
                self._reply_secret, dispatch_id=envelope.dispatch_id, domain=self._reply_domain
            )
        message.set_content(envelope.body)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout_s) as smtp:
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp: {exc}") from exc
        return "accepted"


def _post_json(poster: Poster, url: str, payload: dict[str, object], headers: Mapping[str, str]) -> str:
    body = json.dumps(payload, ensure_ascii=False).encode()
    status = poster.post(
        url, body=body, headers={"Content-Type": "application/json; charset=utf-8", **headers}
    )
    if not 200 <= status < 300:
        raise DeliveryError(f"http {status}")
    return f"http {status}"


class SmsChannel:
    """Sends a text message through an HTTP SMS gateway: one JSON POST to the configured URL with the API key as a
    bearer token and the delivery key as client reference and Idempotency-Key (the gateway drops retries of a
    message it accepted, and names the delivery in its receipt to POST /v1/receipts/sms). The owner's phone
    number is the target. Goes through the egress-checked poster like every customer-facing URL."""

    name = "sms"

    def __init__(self, *, url: str, api_key: str, sender: str, poster: Poster, max_chars: int = 1000) -> None:
        self._url, self._api_key, self._sender, self._poster = url, api_key, sender, poster
        self._max_chars = max_chars

    def send(self, envelope: Envelope) -> str:
        """Hand the text to the gateway once and return its HTTP status."""
        text = f"{envelope.subject}\n{envelope.body}".strip()
        if len(text) > self._max_chars:
            text = text[: self._max_chars - 1] + "…"
        payload: dict[str, object] = {
            "to": envelope.target,
            "from": self._sender,
            "text": text,
            "client_ref": envelope.delivery_key,
            "locale": envelope.locale,
        }
        headers = {"Authorization": f"Bearer {self._api_key}", "Idempotency-Key": envelope.delivery_key}
        return _post_json(self._poster, self._url, payload, headers)


class WechatChannel:
    """WeChat template message / OEM-app push through the push provider's webhook: a JSON POST naming the owner's
    WeChat openid (or app push id) as target, signed like Carecast's webhooks (notify/signing.py). The provider
    reports delivery and reading to POST /v1/receipts/wechat with the delivery id."""

    name = "wechat"

    def __init__(self, *, url: str, secret: bytes, poster: Poster) -> None:
        self._url, self._secret, self._poster = url, secret, poster

    def send(self, envelope: Envelope) -> str:
        """Post the message once and return the HTTP status."""
        payload: dict[str, object] = {
            "delivery_id": envelope.delivery_key,
            "dispatch_id": envelope.dispatch_id,
            "openid": envelope.target,
            "locale": envelope.locale,
            "title": envelope.subject,
            "body": envelope.body,
            "created_at": envelope.created_at.isoformat(),
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        return post_signed(self._poster, self._url, body=body, envelope=envelope, secret=self._secret)
