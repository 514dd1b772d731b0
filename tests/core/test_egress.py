"""The outbound-address policy (core/egress.py), table-driven: every non-public range and every spelling of one."""

from __future__ import annotations

import ast
from ipaddress import ip_address
from pathlib import Path

import pytest

from core.egress import (
    EgressRefused,
    EgressSettings,
    address_kind,
    check_host,
    check_resolved,
    connect_address,
    parse_target,
)

STRICT = EgressSettings()
DEV = EgressSettings(allow_loopback=True)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private (CGNAT)"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fd00::1", "unique-local"),
        ("fc00::1", "unique-local"),
        ("fec0::1", "site-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("::", "unspecified"),
        ("255.255.255.255", "reserved"),
        ("240.0.0.1", "reserved"),
        ("192.0.0.170", "reserved"),
        ("198.18.0.1", "benchmarking"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("2001::1", "reserved"),  # Teredo
        ("100::1", "reserved"),  # discard-only
        ("64:ff9b:1::a00:5", "private"),  # local-use NAT64
        # IPv4 inside IPv6: mapped, compatible, NAT64, 6to4.
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.5", "private"),
        ("::127.0.0.1", "loopback"),
        ("::8.8.8.8", "reserved"),  # IPv4-compatible: deprecated even around a public address
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("2002:7f00:1::1", "loopback"),
        ("2002:c0a8:101::1", "private"),
    ],
)
def test_non_public_addresses_have_a_kind(address, kind):
    assert address_kind(ip_address(address)) == kind


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.215.14", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"],
)
def test_public_addresses_are_allowed(address):
    assert address_kind(ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://127.0.0.1:5432/", "127.0.0.1 is a loopback address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://10.0.0.5/hook", "10.0.0.5 is a private address"),
        ("https://[fd00::1]/hook", "fd00::1 is a unique-local address"),
        ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
        ("https://[::ffff:a9fe:a9fe]/", "::ffff:a9fe:a9fe is a link-local address"),
        ("https://[64:ff9b::a00:5]/", "64:ff9b::a00:5 is a private address"),
        ("https://[2002:a00:5::1]/", "2002:a00:5::1 is a private address"),
        ("https://0.0.0.0:8000/", "0.0.0.0 is an unspecified address"),
        ("https://[::]/", ":: is an unspecified address"),
        ("https://127.0.0.1./", "127.0.0.1 is a loopback address"),  # trailing dot
        # Spellings the C resolver reads as 127.0.0.1 (inet_aton): refused whatever they denote.
        ("https://2130706433/", "numeric host"),
        ("https://0177.0.0.1/", "numeric host"),
        ("https://127.1/", "numeric host"),
        ("https://0x7f.0.0.1/", "numeric host"),
        ("https://0x7f000001/", "numeric host"),
        ("https://127.000.000.001/", "numeric host"),
        ("https://[fe80::1%25eth0]/", "zone ids"),
        ("https://[::1%251]/", "zone ids"),
        ("http://dms.example.com/hook", "must be https"),
        ("http://127.0.0.1:9099/hook", "plain http only to localhost"),
        ("http://localhost:9099/hook", "plain http only to localhost"),
    ],
)
def test_refused_by_default(url, why):
    with pytest.raises(EgressRefused, match=why):
        check_host(parse_target(url), policy=STRICT)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9099/hook",
        "https://127.0.0.1/",
        "http://[::1]:8080/",
        "http://localhost:1/",
        "https://[::ffff:127.0.0.1]/",
    ],
)
def test_the_development_setting_allows_this_machine(url):
    check_host(parse_target(url), policy=DEV)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://10.0.0.5/", "private"),
        ("https://169.254.169.254/", "link-local"),
        ("https://0.0.0.0/", "unspecified"),  # reaches this machine on Linux, but is not how one spells it
        ("http://10.0.0.5/", "plain http only to localhost"),
        ("http://dms.example.com/", "must be https"),
        ("http://8.8.8.8/", "plain http only to localhost"),
    ],
)
def test_the_development_setting_allows_nothing_else(url, why):
    with pytest.raises(EgressRefused, match=why):
        check_host(parse_target(url), policy=DEV)


def test_a_host_name_is_left_to_the_resolved_addresses():
    target = parse_target("https://dms.example.com/hooks?x=1")
    assert check_host(target, policy=STRICT) is None
    assert (target.host, target.port, target.path) == ("dms.example.com", 443, "/hooks?x=1")
    assert check_resolved(target, ["93.184.215.14", "2606:4700::1111"], policy=STRICT) == (
        ip_address("93.184.215.14"),
        ip_address("2606:4700::1111"),
    )


@pytest.mark.parametrize(
    ("addresses", "why"),
    [
        (["127.0.0.1"], "dms.example.com resolves to a loopback address"),
        (["93.184.215.14", "10.0.0.5"], "dms.example.com resolves to a private address"),  # every one counts
        (["::ffff:169.254.169.254"], "resolves to a link-local address"),
        ([], "resolves to no address"),
        (["not-an-address"], "not an address"),
    ],
)
def test_every_resolved_address_is_checked_and_none_is_named(addresses, why):
    with pytest.raises(EgressRefused, match=why) as refused:
        check_resolved(parse_target("https://dms.example.com/"), addresses, policy=STRICT)
    assert not any(a in str(refused.value) for a in addresses)  # the center learns the kind, not the address


def test_plain_http_to_a_name_needs_every_address_on_this_machine():
    target = parse_target("http://localhost:9099/")
    assert check_resolved(target, ["127.0.0.1", "::1"], policy=DEV)
    with pytest.raises(EgressRefused, match="plain http"):
        check_resolved(target, ["127.0.0.1", "93.184.215.14"], policy=DEV)


@pytest.mark.parametrize(
    ("url", "why"),
    [("ftp://x.example.com/", "absolute"), ("https:///x", "absolute"), ("https://x:0/", "port 0")],
)
def test_parse_target_needs_an_http_url_with_host_and_port(url, why):
    with pytest.raises(EgressRefused, match=why):
        parse_target(url)


def test_an_ipv4_mapped_address_is_connected_to_as_ipv4():
    assert connect_address(ip_address("::ffff:127.0.0.1")) == ip_address("127.0.0.1")
    assert connect_address(ip_address("::1")) == ip_address("::1")


def test_the_policy_is_pure():
    path = Path(__file__).resolve().parents[2] / "core" / "egress.py"
    tree = ast.parse(path.read_text("utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"socket", "ssl", "http", "urllib3", "psycopg", "os", "time"}
