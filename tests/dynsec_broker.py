"""A private Mosquitto started from the shipped deploy/mosquitto/mosquitto.conf, bootstrapped as deploy/README.md
says: `mosquitto_ctrl dynsec init` for the provisioning admin, then `Provisioner.setup_broker` for the services."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from pydantic import SecretStr

from core.provisioning import Provisioner
from core.settings import MqttSettings, ProvisioningSettings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "mosquitto"
TOPIC_ROOT = "dt/carecast"  # the roles are made for the default topic root
ADMIN = "carecast-provision"
# Where Debian/Ubuntu's mosquitto package puts the plugin; the image has it at /usr/lib/.
PLUGIN_PATHS = (
    "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto_dynamic_security.so",
)


def wait_for(predicate: Callable[[], object], *, timeout: float = 10.0, what: str) -> None:
    """Poll `predicate` until it is truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary(name: str) -> str:
    """Return the path of a mosquitto program, or fail the test saying what to install."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not found:
        pytest.fail(f"{name} is not installed (apt-get install mosquitto mosquitto-clients)")
    return found


def plugin_path() -> str:
    """Return the local dynamic-security plugin."""
    for path in PLUGIN_PATHS:
        if Path(path).exists():
            return path
    pytest.fail("mosquitto_dynamic_security.so is not installed (apt-get install mosquitto)")


@dataclass
class SecuredBroker:
    """The running private broker: its plain and TLS ports, CA file, log, admin password and process."""

    port: int
    tls_port: int
    ca: Path
    log: Path
    admin_password: str
    workdir: Path
    proc: subprocess.Popen[bytes]

    def mqtt(self, **kwargs: object) -> MqttSettings:
        """Settings of the internal listener (the services' side)."""
        return MqttSettings(host="127.0.0.1", port=self.port, topic_root=TOPIC_ROOT, **kwargs)  # type: ignore[arg-type]

    def provisioner(self) -> Provisioner:
        """A Provisioner logged in as the admin made by `mosquitto_ctrl dynsec init`."""
        settings = ProvisioningSettings(
            password=SecretStr(self.admin_password), vehicle_host="127.0.0.1", vehicle_port=self.tls_port,
            timeout_s=5.0,
        )  # fmt: skip
        return Provisioner(mqtt=self.mqtt(), settings=settings)

    def stop(self) -> None:
        """Stop the broker."""
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _certificate(workdir: Path) -> None:
    """A self-signed server certificate for 127.0.0.1 in workdir/certs (the compose mount's layout)."""
    certs = workdir / "certs"
    certs.mkdir()
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(certs / "server.key"), "-out", str(certs / "server.crt"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def private_config(workdir: Path, port: int, tls_port: int) -> Path:
    """The production config with only listeners, container paths and the plugin's path rewritten."""
    text = (DEPLOY / "mosquitto.conf").read_text()
    for old, new in (
        ("listener 1883\n", f"listener {port} 127.0.0.1\n"),
        ("listener 8883\n", f"listener {tls_port} 127.0.0.1\n"),
        ("/mosquitto/data/", f"{workdir}/data/"),
        ("/mosquitto/certs/", f"{workdir}/certs/"),
        ("plugin /usr/lib/mosquitto_dynamic_security.so\n", f"plugin {plugin_path()}\n"),
    ):
        assert old in text, f"deploy/mosquitto/mosquitto.conf no longer contains {old!r}; update this helper"
        text = text.replace(old, new)
    if os.geteuid() == 0:
        text += "user root\n"  # started as root, mosquitto would drop to its own user, locked out of tmp_path
    conf = workdir / "mosquitto.conf"
    conf.write_text(text)
    return conf


def start_secured_broker(
    workdir: Path, *, service_accounts: list[tuple[str, str, str]], admin_password: str = "pw-admin"
) -> SecuredBroker:
    """Bootstrap and start a private broker the way deploy/README.md does; return it running."""
    (workdir / "data").mkdir(parents=True)
    _certificate(workdir)
    subprocess.run(
        [binary("mosquitto_ctrl"), "dynsec", "init", str(workdir / "data" / "dynamic-security.json"), ADMIN,
         admin_password],
        check=True,
        capture_output=True,
    )  # fmt: skip
    port, tls_port = free_port(), free_port()
    conf = private_config(workdir, port, tls_port)
    with open(workdir / "log", "wb") as log:
        proc = subprocess.Popen([binary("mosquitto"), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)

    def listening() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"mosquitto exited: {(workdir / 'log').read_text()}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_for(listening, what="the secured mosquitto to listen")
    broker = SecuredBroker(
        port, tls_port, workdir / "certs" / "server.crt", workdir / "log", admin_password, workdir, proc
    )
    try:
        broker.provisioner().setup_broker(service_accounts=service_accounts)
    except BaseException:
        broker.stop()
        raise
    return broker


INGEST_PASSWORD = "pw-ingest"


@contextmanager
def running_secured_broker(workdir: Path) -> Iterator[SecuredBroker]:
    """`start_secured_broker` with the ingester's account (carecast-ingest, INGEST_PASSWORD); stopped on exit."""
    broker = start_secured_broker(
        workdir, service_accounts=[("carecast-ingest", INGEST_PASSWORD, "carecast-ingest")]
    )
    try:
        yield broker
    finally:
        broker.stop()


@dataclass
class Peer:
    """One real paho client and what it saw: CONNACKs, SUBACK codes, messages, PUBACKed message ids."""

    client: mqtt.Client
    connack: list[mqtt.ReasonCode] = field(default_factory=list)
    suback: list[list[mqtt.ReasonCode]] = field(default_factory=list)
    received: list[tuple[str, bytes]] = field(default_factory=list)
    acked: set[int] = field(default_factory=set)

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish at QoS 1 and wait for the broker's PUBACK."""
        info = self.client.publish(topic, payload, qos=1)
        wait_for(lambda: info.mid in self.acked, what=f"PUBACK for {topic}")

    def subscribe(self, topic_filter: str) -> mqtt.ReasonCode:
        """Subscribe at QoS 1 and return the broker's reason code for it."""
        self.client.subscribe(topic_filter, qos=1)
        wait_for(lambda: self.suback, what=f"SUBACK for {topic_filter}")
        return self.suback[-1][0]

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()


def connect_peer(
    port: int, user: str | None, password: str | None, *, ca: Path | None = None, host: str = "127.0.0.1"
) -> Peer:
    """Connect a client (over TLS when `ca` is given) and wait for its CONNACK, accepted or not."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv311)
    peer = Peer(client)
    client.on_connect = lambda c, u, flags, rc, props: peer.connack.append(rc)
    client.on_subscribe = lambda c, u, mid, rcs, props: peer.suback.append(list(rcs))
    client.on_message = lambda c, u, msg: peer.received.append((msg.topic, msg.payload))
    client.on_publish = lambda c, u, mid, rc, props: peer.acked.add(mid)
    client.reconnect_delay_set(min_delay=0.1, max_delay=0.1)
    if user is not None:
        client.username_pw_set(user, password)
    if ca is not None:
        client.tls_set(ca_certs=str(ca))
    client.connect(host, port)
    client.loop_start()
    wait_for(lambda: peer.connack, what=f"CONNACK for {user}")
    return peer
