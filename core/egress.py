"""The outbound-address policy shared by api and notify: where Carecast may connect when it calls a URL that a
customer gave it (a service center's webhook).

Only public unicast addresses are allowed: loopback, private (RFC 1918, CGNAT), link-local, unique-local,
multicast, unspecified, reserved, benchmarking and documentation ranges are refused, and so are IPv4-mapped,
IPv4-compatible, NAT64 and 6to4 addresses that embed one of them. Otherwise a customer could make Carecast POST to
its own database, a cloud metadata service or the office network, and read the outcome as a port scan.

Pure: no sockets, no clock, no environment. The callers resolve host names themselves (api at registration, notify
at delivery) and hand the addresses in; notify then connects to a checked address, never to the name again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from domain.errors import CarecastError

Address = IPv4Address | IPv6Address

_V4_RANGES = tuple(
    (IPv4Network(net), kind)
    for net, kind in (
        ("0.0.0.0/8", "unspecified"),  # "this network": connecting to 0.0.0.0 reaches this machine on Linux
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "private (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),  # cloud metadata services live here
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),  # and 255.255.255.255, broadcast
    )
)
# Checked after the embeddings below; everything outside 2000::/3 (global unicast) is refused anyway.
_V6_RANGES = tuple(
    (IPv6Network(net), kind)
    for net, kind in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "private"),  # local-use NAT64 (RFC 8215)
        ("2001::/23", "reserved"),  # IETF protocol assignments: Teredo, ORCHID, benchmarking (2001:2::/48)
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)
_GLOBAL_UNICAST = IPv6Network("2000::/3")
_NAT64 = IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = IPv6Network("::/96")
# The last label of a host name is never all digits (RFC 3696) nor hex: such a host is a numeric address that
# the C resolver (inet_aton) reads its own way: 2130706433, 0177.0.0.1, 127.1 and 0x7f.1 are all 127.0.0.1.
_NUMERIC_LAST_LABEL = re.compile(r"(?:\d+|0x[0-9a-f]*)", re.IGNORECASE)
_NAME_CHARS = re.compile(r"[\w.-]+")
_HTTP_ONLY_LOCAL = "must be https:// (plain http only to localhost, in development setups)"


class EgressSettings(BaseModel):
    """Where customer-given URLs may point (``CARECAST_EGRESS__…``, read by both api and notify)."""

    model_config = ConfigDict(frozen=True)

    # Development only: accept webhook URLs on this machine (loopback addresses and `localhost`, plain http
    # included), e.g. a receiver on 127.0.0.1. Other non-public ranges stay refused even then.
    allow_loopback: bool = False


class EgressRefused(CarecastError, ValueError):
    """Carecast must not connect there; the message says why without naming an address the URL did not contain."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL points: scheme, host as written (lower case, no IPv6 brackets), port, and path with query."""

    scheme: str
    host: str
    port: int
    path: str

    def literal(self) -> Address | None:
        """Return the IP address the host is written as (a trailing dot ignored), None for a host name."""
        try:
            return ip_address(self.host.removesuffix("."))
        except ValueError:
            return None


def parse_target(url: str) -> Target:
    """Return where an http(s) URL points; raise EgressRefused when it has no usable scheme, host or port."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EgressRefused(f"not a URL ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EgressRefused("must be an absolute https:// URL")
    if port == 0:
        raise EgressRefused("port 0 is not a port")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


def address_kind(address: Address) -> str | None:
    """Return why `address` is not a public unicast address ("loopback", "private", …), or None when it is."""
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            kind = address_kind(embedded)
            if address in _IPV4_COMPATIBLE:  # deprecated (RFC 4291): never a real destination
                return kind or "reserved"
            return kind
        for network, kind in _V6_RANGES:
            if address in network:
                return kind
        if address not in _GLOBAL_UNICAST:
            return "reserved"
    else:
        for network4, kind in _V4_RANGES:
            if address in network4:
                return kind
    # Belt and braces: whatever the standard library knows to be non-global and the tables above miss.
    return None if address.is_global else "reserved"


def check_host(target: Target, *, policy: EgressSettings) -> Address | None:
    """Return the address of an IP-literal host that `policy` allows, None for a host name still to be resolved
    (then `check_resolved` decides); raise EgressRefused for a refused literal, an odd spelling or plain http."""
    host = target.host.removesuffix(".")
    if "%" in host:
        raise EgressRefused("IPv6 zone ids are not accepted")
    literal = target.literal()
    if literal is None:
        if not _NAME_CHARS.fullmatch(host):
            raise EgressRefused(f"{host!r} is not a host name")
        if _NUMERIC_LAST_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
            raise EgressRefused(f"{host} is a numeric host: write IPv4 addresses as four decimal numbers")
    if literal is not None:
        _check_address(literal, policy=policy, scheme=target.scheme, subject=f"{host} is")
    elif target.scheme == "http" and not (
        policy.allow_loopback and (host == "localhost" or host.endswith(".localhost"))
    ):
        raise EgressRefused(_HTTP_ONLY_LOCAL)
    return literal


def check_resolved(
    target: Target, addresses: Iterable[str], *, policy: EgressSettings
) -> tuple[Address, ...]:
    """Return the addresses a host name resolved to when `policy` allows every one of them; raise EgressRefused
    saying what kind of address the name resolves to (not which one) otherwise, or when it resolved to nothing."""
    checked: list[Address] = []
    subject = f"{target.host.removesuffix('.')} resolves to"
    for text in addresses:
        try:
            address = ip_address(text)
        except ValueError:
            raise EgressRefused(f"{subject} something that is not an address") from None
        _check_address(address, policy=policy, scheme=target.scheme, subject=subject)
        checked.append(address)
    if not checked:
        raise EgressRefused(f"{subject} no address")
    return tuple(checked)


def connect_address(address: Address) -> Address:
    """Return the address to open a socket to: the IPv4 address inside an IPv4-mapped one, else itself."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _check_address(address: Address, *, policy: EgressSettings, scheme: str, subject: str) -> None:
    kind = address_kind(address)
    local = kind == "loopback" and policy.allow_loopback
    if scheme == "http" and not local:
        # Plain http is a development convenience for this machine only.
        raise EgressRefused(f"{subject} {_a(kind or 'public')} address; {_HTTP_ONLY_LOCAL}")
    if kind is not None and not local:
        raise EgressRefused(f"{subject} {_a(kind)} address")


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _a(kind: str) -> str:
    return ("an " if kind == "unspecified" else "a ") + kind  # the only kind said with a vowel sound
