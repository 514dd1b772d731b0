"""Webhook subscriptions of service centers (pure): which URLs may receive pushes (the address policy itself is
core/egress.py, shared with notify, which checks again at delivery), and fresh signing secrets."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from core.egress import EgressRefused, EgressSettings, Target, check_host, check_resolved, parse_target
from core.errors import CarecastError

MAX_URL_LENGTH = 2000
SECRET_MARKER = "whsec_"


class InvalidWebhookUrl(CarecastError, ValueError):
    """The URL cannot receive pushes; the message says why."""


def check_url(url: str, *, egress: EgressSettings) -> Target:
    """Return where the URL points when it may receive pushes, as far as can be told without DNS: https (plain
    http only to localhost, and only when `egress` allows loopback) and no refused IP literal; else raise
    InvalidWebhookUrl. A host name is checked again, resolved, with `check_resolved` (see core/egress.py)."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidWebhookUrl(f"longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() for c in url):
        raise InvalidWebhookUrl("must not contain whitespace")
    try:
        target = parse_target(url)
    except EgressRefused as exc:
        raise InvalidWebhookUrl(str(exc)) from exc
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookUrl("must not carry credentials; the signature authenticates Carecast")
    if parts.fragment:
        raise InvalidWebhookUrl("must not have a #fragment")
    try:
        check_host(target, policy=egress)
    except EgressRefused as exc:
        raise InvalidWebhookUrl(str(exc)) from exc
    return target


def check_addresses(target: Target, addresses: Sequence[str], *, egress: EgressSettings) -> None:
    """Raise InvalidWebhookUrl unless every address the URL's host name resolves to now may receive pushes."""
    try:
        check_resolved(target, addresses, policy=egress)
    except EgressRefused as exc:
        raise InvalidWebhookUrl(str(exc)) from exc


def new_secret() -> str:
    """Return a fresh signing secret (``whsec_`` and 32 random bytes, base64url)."""
    return SECRET_MARKER + secrets.token_urlsafe(32)


def secret_hint(secret: str) -> str:
    """Return the non-secret beginning shown in listings (``whsec_Ab3d…``)."""
    return secret[: len(SECRET_MARKER) + 4] + "…"
