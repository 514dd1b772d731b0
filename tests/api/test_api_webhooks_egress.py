"""The egress policy of webhook URLs (core/egress.py): what `check_url` accepts and why it refuses, and the same
refusals at registration through the API and at delivery, for rows written behind the API's back. The local
receiver is on 127.0.0.1, accepted only with the development setting (`dev_client`, `DEV`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.policy.webhook_urls import InvalidWebhookUrl, check_url
from tests.api.webhooks import (
    DEV,
    RETRY,
    STRICT,
    bearer,
    dev_client,
    new_suggestion,
    push,
    receiver,
)

# dev_client and receiver are fixtures (tests/api/webhooks.py): named here so pytest finds them
__all__ = ["dev_client", "receiver"]


@pytest.mark.parametrize(
    ("url", "egress"),
    [
        ("https://dms.example.com/hooks?center=5", STRICT),
        ("https://93.184.215.14:8443/carecast", STRICT),
        ("https://[2606:4700::1111]/carecast", STRICT),
        ("http://localhost:9099/hook", DEV),
        ("http://127.0.0.1/hook", DEV),
        ("http://[::1]:8080/hook", DEV),
        ("https://127.0.0.1:8443/hook", DEV),
    ],
)
def test_check_url_accepts_public_https_and_this_machine_in_development(url, egress):
    assert check_url(url, egress=egress).host in url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.7/hook", "plain http"),
        ("https://", "absolute"),
        ("mailto:ops@example.com", "absolute"),
        ("https://a:b@example.com/", "credentials"),
        ("https://example.com/" + "x" * 2000, "longer"),
        ("https://example.com:0/", "port 0"),
        ("https://10.0.0.7:8443/carecast", "10.0.0.7 is a private address"),
    ],
)
def test_check_url_says_why_a_url_is_refused(url, why):
    with pytest.raises(InvalidWebhookUrl, match=why):
        check_url(url, egress=DEV)


# -- The egress policy at registration: refused by default, URLs on this machine only in development. --------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:5432/", "127.0.0.1 is a loopback address"),
        ("https://127.0.0.1:5432/", "127.0.0.1 is a loopback address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("https://172.20.0.1/hook", "172.20.0.1 is a private address"),
        ("https://192.168.0.10/hook", "192.168.0.10 is a private address"),
        ("https://100.100.100.200/hook", "100.100.100.200 is a private (CGNAT) address"),
        ("https://[fd00::1]/hook", "fd00::1 is a unique-local address"),
        ("https://[::1]/hook", "::1 is a loopback address"),
        ("https://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1 is a loopback address"),
        ("https://[64:ff9b::a9fe:a9fe]/hook", "link-local"),
        ("https://0.0.0.0:8000/hook", "0.0.0.0 is an unspecified address"),
        ("https://2130706433/hook", "numeric host"),
        ("https://0177.0.0.1/hook", "numeric host"),
        ("https://127.1/hook", "numeric host"),
        ("https://[fe80::1%25eth0]/hook", "zone ids"),
        ("https://127.0.0.1./hook", "127.0.0.1 is a loopback address"),
        ("https://224.0.0.251/hook", "multicast"),
        ("https://198.51.100.7/hook", "documentation"),
    ],
)
def test_register_refuses_non_public_addresses_by_default(client, world, url, why):
    resp = client.post(
        f"/v1/service-centers/{world.center_a}/webhooks", headers=bearer(world.key_a), json={"url": url}
    )
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == "invalid_webhook_url" and why in error["message"], error


def test_register_refuses_a_host_name_that_resolves_to_this_machine(client, world, receiver):
    # The real resolver (getaddrinfo): "localhost" resolves to 127.0.0.1, so it is refused like the literal.
    resp = client.post(
        f"/v1/service-centers/{world.center_a}/webhooks",
        headers=bearer(world.key_a),
        json={"url": receiver.url(host="localhost").replace("http:", "https:")},
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["message"] == "body.url: localhost resolves to a loopback address"


def test_the_local_receiver_is_accepted_only_with_the_development_setting(
    client, dev_client, world, receiver
):
    path, url = f"/v1/service-centers/{world.center_a}/webhooks", receiver.url()
    refused = client.post(path, headers=bearer(world.key_a), json={"url": url})
    assert refused.status_code == 422 and "plain http only to localhost" in refused.json()["error"]["message"]
    assert dev_client.post(path, headers=bearer(world.key_a), json={"url": url}).status_code == 201
    # Other non-public addresses stay refused in development too.
    private = dev_client.post(path, headers=bearer(world.key_a), json={"url": "https://10.0.0.5/hook"})
    assert private.status_code == 422


# -- The egress policy at delivery: rows written behind the API's back are refused too. ---------------------


def _insert_webhook(conn, center_id: int, url: str) -> int:
    """A subscription written straight into the table (an old row, or a URL whose DNS changed since)."""
    return conn.execute(
        "INSERT INTO center_webhook (center_id, url, secret) VALUES (%s, %s, %s) RETURNING id",
        (center_id, url, "whsec_" + "s" * 40),
    ).fetchone()[0]


def test_delivery_refuses_non_public_addresses_by_default(world, conn, receiver):
    urls = {
        "loopback": receiver.url(),  # the very receiver the development tests deliver to
        "private": "https://10.0.0.5/hook",
        "metadata": "https://169.254.169.254/latest/meta-data/",
        "decimal": f"https://2130706433:{receiver.port}/hook",
        "mapped": f"https://[::ffff:127.0.0.1]:{receiver.port}/hook",
        # A host name checked on what it resolves to (the real getaddrinfo), not on how it is spelled.
        "name": receiver.url(host="localhost").replace("http:", "https:"),
    }
    ids = {kind: _insert_webhook(conn, world.center_a, url) for kind, url in urls.items()}
    new_suggestion(conn, world, center="a")
    report = push(conn, egress=STRICT)
    assert (report.delivered, report.retrying) == (0, len(urls))
    assert receiver.calls == 0  # nothing was sent
    details = dict(
        conn.execute(
            "SELECT webhook_id, last_detail FROM webhook_delivery WHERE webhook_id = ANY(%s)",
            (list(ids.values()),),
        ).fetchall()
    )
    assert {kind: details[ids[kind]] for kind in urls} == {
        "loopback": "refused: 127.0.0.1 is a loopback address; "
        "must be https:// (plain http only to localhost, in development setups)",
        "private": "refused: 10.0.0.5 is a private address",
        "metadata": "refused: 169.254.169.254 is a link-local address",
        "decimal": "refused: 2130706433 is a numeric host: write IPv4 addresses as four decimal numbers",
        "mapped": "refused: ::ffff:127.0.0.1 is a loopback address",
        "name": "refused: localhost resolves to a loopback address",
    }
    # The same loopback row is delivered once the development setting is on (after the backoff).
    later = push(conn, now=datetime.now(UTC) + RETRY.cap, egress=DEV)
    assert later.delivered == 1 and len(receiver.received) == 1
