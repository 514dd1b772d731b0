"""notify's HttpPoster against real local HTTP(S) receivers: every resolved address is checked, the checked address
is the one connected to (no second lookup), TLS is verified against the URL's host name and sent as SNI, redirects
are not followed, and every transport failure reads the same ("unreachable")."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from core.egress import EgressSettings
from notify.channels import DeliveryError
from notify.push import HttpPoster, PushRefused
from tests.webhook_receiver import Receiver, self_signed, serving, tls_server_context

STRICT = EgressSettings()
DEV = EgressSettings(allow_loopback=True)
BODY = b'{"event_id": "e1"}'
HEADERS = {"Content-Type": "application/json"}


class Resolver:
    """A resolver handing out prepared answers in turn (the last one again when they run out); counts lookups."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self.answers = list(answers)
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append(host)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving(Receiver()) as server:
        yield server


@pytest.fixture
def no_system_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything asks the system resolver: the poster must connect to the address it checked."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"second name lookup: getaddrinfo{args}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_every_resolved_address_is_checked_before_connecting(receiver):
    resolver = Resolver(["127.0.0.1", "10.0.0.5"])  # one allowed address is not enough
    poster = HttpPoster(egress=DEV, timeout_s=2, resolve=resolver)
    with pytest.raises(PushRefused) as refused:
        poster.post(receiver.url(host="hook.localhost"), body=BODY, headers=HEADERS)
    assert str(refused.value) == "refused: hook.localhost resolves to a private address; " + (
        "must be https:// (plain http only to localhost, in development setups)"
    )
    assert refused.value.resolved == ("127.0.0.1", "10.0.0.5")  # for the operator's log, not the row
    assert receiver.calls == 0


def test_a_name_resolving_to_a_private_address_is_refused_by_default():
    resolver = Resolver(["93.184.215.14", "10.0.0.5"])
    poster = HttpPoster(egress=STRICT, timeout_s=2, resolve=resolver)
    with pytest.raises(PushRefused, match=r"^refused: dms\.example\.com resolves to a private address$"):
        poster.post("https://dms.example.com/hook", body=BODY, headers=HEADERS)


def test_the_real_resolver_is_checked_too(receiver):
    # "localhost" through the system's getaddrinfo: refused for what it resolves to.
    url = receiver.url(host="localhost").replace("http:", "https:")
    with pytest.raises(PushRefused, match="^refused: localhost resolves to a loopback address$"):
        HttpPoster(egress=STRICT, timeout_s=2).post(url, body=BODY, headers=HEADERS)
    assert receiver.calls == 0


def test_the_checked_address_is_the_one_connected_to(receiver, no_system_resolver):
    # A rebinding name: the first answer passes the check, a later one would not. Only one lookup may happen.
    resolver = Resolver(["127.0.0.1"], ["10.0.0.5"])
    poster = HttpPoster(egress=DEV, timeout_s=2, resolve=resolver)
    status = poster.post(receiver.url("/pinned", host="hook.localhost"), body=BODY, headers=HEADERS)
    assert status == 204 and resolver.lookups == ["hook.localhost"]
    [(headers, body)] = receiver.received
    assert headers["Host"] == f"hook.localhost:{receiver.port}" and body["path"] == "/pinned"


def test_tls_is_verified_against_the_host_name_and_sent_as_sni(tmp_path: Path, no_system_resolver):
    cert, key = self_signed(tmp_path, name="hook.localhost")
    client_tls = ssl.create_default_context(cafile=str(cert))
    with serving(Receiver(tls=tls_server_context(cert, key))) as server:
        poster = HttpPoster(egress=DEV, timeout_s=2, resolve=Resolver(["127.0.0.1"]), tls=client_tls)
        assert poster.post(server.url(host="hook.localhost"), body=BODY, headers=HEADERS) == 204
        assert server.server_names == ["hook.localhost"] and len(server.received) == 1


def test_tls_verification_stays_on_with_a_pinned_address(tmp_path: Path):
    cert, key = self_signed(tmp_path, name="other.localhost")  # a certificate for another name
    client_tls = ssl.create_default_context(cafile=str(cert))
    with serving(Receiver(tls=tls_server_context(cert, key))) as server:
        poster = HttpPoster(egress=DEV, timeout_s=2, resolve=Resolver(["127.0.0.1"]), tls=client_tls)
        with pytest.raises(DeliveryError, match="^unreachable$") as failed:
            poster.post(server.url(host="hook.localhost"), body=BODY, headers=HEADERS)
        assert isinstance(failed.value.__cause__, ssl.SSLCertVerificationError)
        assert server.received == []


def test_redirects_are_not_followed(receiver):
    location = receiver.url("/elsewhere")
    with serving(Receiver(fail_first=1, fail_status=307, fail_headers={"Location": location})) as redirecting:
        poster = HttpPoster(egress=DEV, timeout_s=2)
        assert poster.post(redirecting.url(), body=BODY, headers=HEADERS) == 307
    assert receiver.calls == 0


def test_transport_failures_all_read_unreachable():
    """Refused, timed out or not resolved: the same detail, so the outcome is no port-scan oracle."""
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        closed_port = _closed_port()
        poster = HttpPoster(egress=DEV, timeout_s=0.3)
        details = {}
        started = time.monotonic()
        for name, url in {
            "refused": f"http://127.0.0.1:{closed_port}/hook",
            "timeout": f"http://127.0.0.1:{silent.getsockname()[1]}/hook",
            "no such name": "http://nowhere.localhost/hook",
        }.items():
            with pytest.raises(DeliveryError) as failed:
                poster.post(url, body=BODY, headers=HEADERS)
            details[name] = (str(failed.value), type(failed.value))
        assert time.monotonic() - started < 5  # the timeout holds
    failing_resolver = HttpPoster(egress=STRICT, timeout_s=0.3, resolve=_unresolvable)
    with pytest.raises(DeliveryError) as failed:
        failing_resolver.post("https://dms.example.com/hook", body=BODY, headers=HEADERS)
    details["dns"] = (str(failed.value), type(failed.value))
    assert set(details.values()) == {("unreachable", DeliveryError)}, details


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unresolvable(host: str, port: int) -> Sequence[str]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
