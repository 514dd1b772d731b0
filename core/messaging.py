"""Messaging shared by notify and the API (docs/messages.md): the channels' settings, the reply address that
identifies a dispatch, signed provider callbacks (delivery receipts, inbound SMS), and the one writer of owners'
replies on the center's feed (``center_feed_item`` kind ``owner_reply``)."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field, SecretStr

from core.db import SqlFile, query
from core.sql import DELIVERY_RECEIPT, FEED_OWNER_REPLY, REPLY_TARGET_DISPATCH, REPLY_TARGET_PHONE

ReceiptStatus = Literal["delivered", "failed", "read"]
ReplyChannel = Literal["email", "sms"]


class MessagingSettings(BaseModel):
    """Channels beyond in-app and the owner's webhook (``CARECAST_MESSAGES__…``, read by notify, mail-in and api).

    Each channel is off while its address or secret is unset. One callback secret signs what providers send back
    (delivery receipts, inbound SMS): HMAC-SHA256 over "{timestamp}.{body}", as Carecast signs its own webhooks.
    """

    # SMS through an HTTP gateway: a JSON POST with the API key as a bearer token (egress-checked like webhooks).
    sms_gateway_url: str | None = None
    sms_api_key: SecretStr | None = None
    sms_sender: str = "Carecast"
    # WeChat template messages / OEM-app push: a signed JSON POST to the push provider's webhook.
    wechat_url: str | None = None
    wechat_secret: SecretStr | None = None
    # Verifies POST /v1/receipts/{channel} and POST /v1/inbound/sms; those endpoints answer 404 while unset.
    callback_secret: SecretStr | None = None
    callback_tolerance_s: int = Field(default=300, gt=0)
    # Replies by e-mail: outgoing mails carry Reply-To reply+<token>@<reply_domain> (off while reply_secret is
    # unset); `carecast mail-in` receives them over SMTP on mailin_host:mailin_port.
    reply_secret: SecretStr | None = None
    reply_domain: str = "reply.carecast.invalid"
    mailin_host: str = "127.0.0.1"
    mailin_port: int = Field(default=2525, ge=1, le=65535)
    # Larger mails are refused by the SMTP server; a reply's text is cut to reply_max_chars on the feed.
    mailin_max_bytes: int = Field(default=256 * 1024, ge=1024)
    reply_max_chars: int = Field(default=4000, ge=100)


# --- the reply address ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"^reply\+(\d{1,19})\.([0-9a-f]{24})@", re.IGNORECASE)


def _mac(secret: bytes, dispatch_id: int) -> str:
    return hmac.new(secret, f"reply:{dispatch_id}".encode(), hashlib.sha256).hexdigest()[:24]


def reply_address(secret: bytes, *, dispatch_id: int, domain: str) -> str:
    """Return the Reply-To address of a dispatch: reply+<dispatch id>.<MAC>@<domain> (case-insensitive)."""
    return f"reply+{dispatch_id}.{_mac(secret, dispatch_id)}@{domain}"


def dispatch_of(secret: bytes, address: str) -> int | None:
    """Return the dispatch a reply address names, None when it is not one of ours or its MAC is wrong."""
    found = _TOKEN.match(address.strip().strip("<>"))
    if found is None:
        return None
    dispatch_id = int(found.group(1))
    return dispatch_id if hmac.compare_digest(_mac(secret, dispatch_id), found.group(2).lower()) else None


# --- signed provider callbacks -------------------------------------------------------------------------------


def callback_signature(secret: bytes, *, timestamp: int, body: bytes) -> str:
    """Return the X-Carecast-Signature value of a callback body sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def callback_valid(
    secret: bytes,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    tolerance_s: int,
) -> bool:
    """Return True when the callback is signed with `secret` and its timestamp is within the tolerance of now."""
    if timestamp is None or signature is None or not timestamp.isdigit():
        return False
    if abs(now.timestamp() - int(timestamp)) > tolerance_s:
        return False
    expected = callback_signature(secret, timestamp=int(timestamp), body=body)
    return hmac.compare_digest(expected, signature)


def record_receipt(
    conn: psycopg.Connection,
    *,
    channel: str,
    delivery_key: str,
    status: ReceiptStatus,
    at: datetime,
    provider_ref: str | None,
) -> bool:
    """Record what the provider reports about a delivery; False when no delivery of that channel has the key.
    A receipt older than the one recorded does not overwrite it (providers retry and reorder)."""
    params = {
        "channel": channel,
        "delivery_key": delivery_key,
        "status": status,
        "at": at,
        "provider_ref": provider_ref,
    }
    return conn.execute(query(DELIVERY_RECEIPT), params).fetchone() is not None


# --- owners' replies -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The case a reply belongs to and the center whose feed shows it."""

    center_id: int
    vehicle_id: int
    risk_id: int | None
    customer_id: int


@dataclass(frozen=True, slots=True)
class Reply:
    """An owner's reply as the center sees it; `ref` (Message-ID, gateway id) makes a redelivery land once."""

    channel: ReplyChannel
    ref: str
    text: str
    sender: str
    received_at: datetime
    dispatch_id: int | None = None


def target_of_dispatch(conn: psycopg.Connection, *, dispatch_id: int) -> ReplyTarget | None:
    """Return where a reply to a dispatch goes: its latest case's center (booked, offered or preferred)."""
    return _target(conn, REPLY_TARGET_DISPATCH, {"dispatch_id": dispatch_id})


def target_of_phone(conn: psycopg.Connection, *, phone: str) -> ReplyTarget | None:
    """Return where an SMS from `phone` goes: the owner's latest open case's center."""
    return _target(conn, REPLY_TARGET_PHONE, {"phone": normalise_phone(phone)})


def normalise_phone(phone: str) -> str:
    """Return the phone number's digits only, as customers' numbers are compared ("+86 138-0013" -> "860013")."""
    return re.sub(r"[^0-9]", "", phone)


def _target(conn: psycopg.Connection, name: SqlFile, params: dict[str, object]) -> ReplyTarget | None:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query(name), params).fetchone()
    if row is None or row["center_id"] is None:
        return None
    return ReplyTarget(row["center_id"], row["vehicle_id"], row["risk_id"], row["customer_id"])


def record_reply(conn: psycopg.Connection, *, target: ReplyTarget, reply: Reply, max_chars: int) -> bool:
    """Put the reply on the center's feed as an ``owner_reply`` item; False when it was already there."""
    text = reply.text.strip()
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    detail = {
        "ref": f"{reply.channel}:{reply.ref}",
        "channel": reply.channel,
        "text": text,
        "from": reply.sender,
        "dispatch_id": reply.dispatch_id,
    }
    params = {
        "center_id": target.center_id,
        "vehicle_id": target.vehicle_id,
        "risk_id": target.risk_id,
        "reason": f"{reply.channel}_reply",
        "detail": Jsonb(detail),
        "now": reply.received_at,
    }
    return conn.execute(query(FEED_OWNER_REPLY), params).rowcount > 0
