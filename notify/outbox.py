"""The outbox: merge each owner's due messages into one dispatch (quiet hours, frequency cap), then deliver every
dispatch to each channel independently, recording every attempt and retrying with backoff (at-least-once).

Consent is opt-in per channel (customer_consent, docs/privacy.md): a dispatch gets deliveries only on the channels
its owner granted, an owner with none gets no dispatch (the messages are withheld), and a delivery whose consent
was withdrawn after its dispatch is cancelled at send time instead of sent.

A conversation message is rendered when it is dispatched, not when it was queued (notify/render.py): the slots it
offers are the risk's options that can still be honoured at that moment, so a message that waited through quiet
hours or the frequency cap never offers a past or taken slot."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import psycopg
import structlog
from psycopg.rows import dict_row

from core.db import query, scalar
from core.settings import OwnerLinkSettings
from domain.vocabulary import Channel as ChannelName
from notify.channels import Channel, DeliveryError, Envelope
from notify.compose import Message, compose_digest
from notify.policy import CadencePolicy, Queued, due_batches
from notify.render import render, renders_at_delivery, with_owner_link
from notify.signing import RetryPolicy
from notify.sql import (
    CANCEL_DELIVERY,
    DEFER_OWNER,
    DUE_DELIVERIES,
    DUE_QUEUED,
    INSERT_DELIVERY,
    INSERT_DISPATCH,
    LOCK_BATCH,
    LOCK_DELIVERY,
    MARK_SENT,
    RECORD_ATTEMPT,
    RERENDER_MESSAGE,
    WITHHOLD_MESSAGES,
)


@dataclass(frozen=True, slots=True)
class OutboxReport:
    """What one outbox run did."""

    dispatched: int
    deferred: int
    delivered: int
    retrying: int
    dead: int
    elapsed_ms: int
    withheld: int = 0  # owners whose due messages were cancelled: no channel with consent
    cancelled: int = 0  # deliveries called off at send time: consent withdrawn since the dispatch


def run_outbox(
    conn: psycopg.Connection,
    *,
    channels: Mapping[str, Channel],
    now: datetime,
    log: structlog.stdlib.BoundLogger,
    cadence: CadencePolicy | None = None,
    retry: RetryPolicy | None = None,
    limit: int = 1000,
    links: OwnerLinkSettings | None = None,
) -> OutboxReport:
    """Dispatch due messages and deliver due deliveries on an autocommit connection; return the counts."""
    started = time.monotonic()
    dispatched, deferred, withheld = dispatch_due(
        conn, channels=channels, now=now, cadence=cadence or CadencePolicy(), limit=limit, links=links
    )
    delivered, retrying, dead, cancelled = deliver_due(
        conn, channels=channels, now=now, retry=retry or RetryPolicy(), log=log, limit=limit
    )
    report = OutboxReport(
        dispatched,
        deferred,
        delivered,
        retrying,
        dead,
        int((time.monotonic() - started) * 1000),
        withheld,
        cancelled,
    )
    log.info(
        "notify.outbox",
        now=now.isoformat(),
        dispatched=dispatched,
        deferred=deferred,
        delivered=delivered,
        retrying=retrying,
        dead=dead,
        withheld=withheld,
        cancelled=cancelled,
        elapsed_ms=report.elapsed_ms,
    )
    return report


def dispatch_due(
    conn: psycopg.Connection,
    *,
    channels: Mapping[str, Channel],
    now: datetime,
    cadence: CadencePolicy,
    limit: int,
    links: OwnerLinkSettings | None = None,
) -> tuple[int, int, int]:
    """Merge each owner's due messages into one dispatch with its deliveries; return (dispatched, deferred,
    withheld): an owner who consents to no channel gets no dispatch, the messages are cancelled (withheld)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query(DUE_QUEUED), {"now": now, "limit": limit}).fetchall()
    by_owner: dict[int, list[dict]] = {}
    for row in rows:
        by_owner.setdefault(row["customer_id"], []).append(row)
    dispatched = deferred = withheld = 0
    for owner, items in by_owner.items():
        first = items[0]
        owner_cadence = cadence
        if first["quiet_start"] is not None and first["quiet_end"] is not None:
            owner_cadence = replace(cadence, quiet_start=first["quiet_start"], quiet_end=first["quiet_end"])
        queued = [Queued(r["id"], owner, r["purpose"], r["send_after"]) for r in items]
        last = {owner: first["last_sent_at"]} if first["last_sent_at"] is not None else {}
        send, defer = due_batches(
            queued, now=now, tz_of={owner: first["tz"]}, last_sent=last, policy=owner_cadence
        )
        with conn.transaction():
            if owner in defer:
                conn.execute(query(DEFER_OWNER), {"customer_id": owner, "at": defer[owner]})
                deferred += 1
            elif owner in send:
                outcome = _dispatch(
                    conn, owner=owner, ids=send[owner], channels=channels, now=now, links=links
                )
                dispatched += outcome == "dispatched"
                withheld += outcome == "withheld"
    return dispatched, deferred, withheld


def _dispatch(
    conn: psycopg.Connection,
    *,
    owner: int,
    ids: list[int],
    channels: Mapping[str, Channel],
    now: datetime,
    links: OwnerLinkSettings | None = None,
) -> Literal["dispatched", "withheld"] | None:
    """Dispatch the batch; return "dispatched", "withheld" (no consented channel) or None (taken elsewhere)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query(LOCK_BATCH), {"ids": ids}).fetchall()
    if not rows:
        return None
    owner_row = rows[0]
    targets = _targets(owner_row["channels"] or {}, channels=channels, consented=owner_row["consented"])
    if not targets:
        conn.execute(query(WITHHOLD_MESSAGES), {"ids": [r["id"] for r in rows]})
        return "withheld"
    messages = [_rendered(conn, row=r, owner=owner, now=now, links=links) for r in rows]
    merged = compose_digest(
        messages,
        name=owner_row["name"],
        locale=owner_row["customer_locale"],
        vehicles=len({r["vehicle_id"] for r in rows}),
    )
    params = {
        "customer_id": owner,
        "locale": merged.locale,
        "subject": merged.subject,
        "body": merged.body,
        "now": now,
    }
    dispatch_id = scalar(conn, query(INSERT_DISPATCH), params)
    conn.execute(query(MARK_SENT), {"ids": [r["id"] for r in rows], "dispatch_id": dispatch_id, "now": now})
    for channel, target in targets:
        conn.execute(
            query(INSERT_DELIVERY),
            {"dispatch_id": dispatch_id, "channel": channel, "target": target, "now": now},
        )
    return "dispatched"


def _rendered(
    conn: psycopg.Connection,
    *,
    row: Mapping,
    owner: int,
    now: datetime,
    links: OwnerLinkSettings | None = None,
) -> Message:
    """Return the message as it reads now, stored back on its row (what the owner gets is what is kept): a care
    message composed again; a progress, survey or all-clear message as queued with a new owner page link."""
    queued = Message(row["locale"], row["subject"], row["body"])
    if row["risk_id"] is None:
        return queued
    message: Message | None
    if renders_at_delivery(row["purpose"]):
        message = render(
            conn, risk_id=row["risk_id"], customer_id=owner, purpose=row["purpose"], now=now, links=links
        )
    elif links is not None:
        message = with_owner_link(
            conn,
            queued,
            risk_id=row["risk_id"],
            customer_id=owner,
            purpose=row["purpose"],
            now=now,
            links=links,
        )
    else:
        message = None
    if message is None or message == queued:
        return queued
    params = {"id": row["id"], "locale": message.locale, "subject": message.subject, "body": message.body}
    conn.execute(query(RERENDER_MESSAGE), params)
    return message


# Channels that need an address of the owner's (customer.channels field) and a channel configured in the process.
_ADDRESSES = (
    (ChannelName.WEBHOOK, "webhook_url"),
    (ChannelName.EMAIL, "email"),
    (ChannelName.SMS, "phone"),
    (ChannelName.WECHAT, "wechat_openid"),
)


def _targets(
    contact: Mapping[str, object], *, channels: Mapping[str, Channel], consented: Collection[str]
) -> list[tuple[str, str]]:
    """Return (channel, target) for each channel the owner consented to: the in-app feed; webhook, e-mail, SMS
    and WeChat / app push when the owner also has an address there and the channel is configured in this
    process."""
    targets = []
    if ChannelName.IN_APP in consented:
        targets.append((ChannelName.IN_APP.value, "feed"))
    addresses = _ADDRESSES
    for name, field in addresses:
        address = contact.get(field)
        if name in consented and name in channels and isinstance(address, str):
            targets.append((name.value, address))
    return targets


def deliver_due(
    conn: psycopg.Connection,
    *,
    channels: Mapping[str, Channel],
    now: datetime,
    retry: RetryPolicy,
    log: structlog.stdlib.BoundLogger,
    limit: int,
) -> tuple[int, int, int, int]:
    """Try every due delivery once, each on its own; return (delivered, retrying, dead, cancelled)."""
    ids = [r[0] for r in conn.execute(query(DUE_DELIVERIES), {"now": now, "limit": limit})]
    delivered = retrying = dead = cancelled = 0
    for delivery_id in ids:
        with conn.transaction():
            with conn.cursor(row_factory=dict_row) as cur:
                row = cur.execute(query(LOCK_DELIVERY), {"id": delivery_id}).fetchone()
            if row is None:
                continue
            if not row["consented"]:
                reason = f"cancelled: no consent for {row['channel']} (withdrawn after dispatch)"
                conn.execute(query(CANCEL_DELIVERY), {"id": delivery_id, "reason": reason})
                cancelled += 1
                continue
            channel = channels.get(row["channel"])
            try:
                if channel is None:
                    raise DeliveryError(f"channel {row['channel']} is not configured in this process")
                with (
                    conn.transaction()
                ):  # a savepoint: a failing in-app write must not undo the attempt record
                    detail, ok = channel.send(_envelope(row)), True
            except Exception as exc:
                # Any failure of one channel is recorded and retried; it never blocks the other deliveries.
                detail, ok = str(exc) or type(exc).__name__, False
                log.warning(
                    "notify.delivery_failed", delivery_id=delivery_id, channel=row["channel"], error=detail
                )
            next_at = None if ok else retry.next_attempt(attempts=row["attempts"] + 1, now=now)
            status = "delivered" if ok else ("pending" if next_at is not None else "dead")
            conn.execute(
                query(RECORD_ATTEMPT),
                {
                    "id": delivery_id,
                    "now": now,
                    "ok": ok,
                    "detail": detail[:500],
                    "status": status,
                    "next_at": next_at,
                },
            )
        delivered += ok
        retrying += status == "pending"
        dead += status == "dead"
    return delivered, retrying, dead, cancelled


def _envelope(row: Mapping) -> Envelope:
    return Envelope(
        delivery_key=row["delivery_key"],
        dispatch_id=row["dispatch_id"],
        customer_id=row["customer_id"],
        target=row["target"],
        locale=row["locale"],
        subject=row["subject"],
        body=row["body"],
        created_at=row["created_at"],
    )
