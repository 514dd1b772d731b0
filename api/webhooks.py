"""Webhook subscriptions of service centers (pure): which URLs may receive pushes, and fresh signing secrets."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000
# Plain http only to this machine (development and tests); everything else must be https.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SECRET_MARKER = "whsec_"


class InvalidWebhookUrl(ValueError):
    """The URL cannot receive pushes; the message says why."""


def check_url(url: str) -> str:
    """Return the URL when it may receive pushes (https, or http to localhost), else raise InvalidWebhookUrl."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidWebhookUrl(f"longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise InvalidWebhookUrl(f"not a URL ({exc})") from exc
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidWebhookUrl("must be an absolute https:// URL")
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookUrl("must not carry credentials; the signature authenticates Carecast")
    if parts.fragment:
        raise InvalidWebhookUrl("must not have a #fragment")
    if any(c.isspace() for c in url):
        raise InvalidWebhookUrl("must not contain whitespace")
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise InvalidWebhookUrl("plain http is accepted only for localhost / 127.0.0.1; use https")
    if port == 0:
        raise InvalidWebhookUrl("port 0 is not a port")
    return url


def new_secret() -> str:
    """Return a fresh signing secret (``whsec_`` and 32 random bytes, base64url)."""
    return SECRET_MARKER + secrets.token_urlsafe(32)


def secret_hint(secret: str) -> str:
    """Return the non-secret beginning shown in listings (``whsec_Ab3d…``)."""
    return secret[: len(SECRET_MARKER) + 4] + "…"
