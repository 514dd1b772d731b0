"""Vehicles provisioned on a real broker (the shipped config, bootstrapped as deploy/README.md says) and proven with
real clients: a car logs in with what it was issued and reaches the ingester on its own topic only; rotation,
revocation and deprovisioning take effect at once; the bulk credentials file is right and private."""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
import stat
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from core import dynsec
from core.provisioning import (
    AdminRefused,
    AlreadyProvisioned,
    BrokerUnavailable,
    NotProvisioned,
    Provisioner,
    UnknownVehicle,
    vehicle_commands,
)
from core.provisioning_main import VehiclesSettings, main
from core.provisioning_main import command as vehicles_command
from core.settings import DatabaseSettings, MqttSettings, ProvisioningSettings
from domain.provisioning import CREDENTIALS_COLUMNS, IssuedCredentials
from tests.dynsec_broker import (
    INGEST_PASSWORD,
    TOPIC_ROOT,
    Peer,
    SecuredBroker,
    connect_peer,
    free_port,
    running_secured_broker,
    wait_for,
)

VIN_A, VIN_B, VIN_C = "LSVAU2180N2183294", "LFV3A23C8L3045671", "LB1WA5884A8008781"
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    with running_secured_broker(tmp_path_factory.mktemp("provisioning-mosquitto")) as b:
        yield b


@pytest.fixture
def peers() -> Iterator[list[Peer]]:
    opened: list[Peer] = []
    yield opened
    for peer in opened:
        peer.close()


@pytest.fixture
def login(broker: SecuredBroker, peers: list[Peer]):
    """Connect on the internal port, or over TLS at the endpoint the credentials name."""

    def _login(user: str | None, password: str | None, *, issued: IssuedCredentials | None = None) -> Peer:
        if issued is not None:
            peer = connect_peer(issued.broker_port, user, password, ca=broker.ca, host=issued.broker_host)
        else:
            peer = connect_peer(broker.port, user, password)
        peers.append(peer)
        return peer

    return _login


@pytest.fixture
def ingester(login) -> Peer:
    peer = login("carecast-ingest", INGEST_PASSWORD)
    assert not peer.connack[0].is_failure
    assert peer.subscribe(f"{TOPIC_ROOT}/+/telemetry").value == 1
    return peer


def _add_vehicles(conn: psycopg.Connection, *vins: str) -> None:
    customer = conn.execute(
        "INSERT INTO customer (name, locale, tz, segment) VALUES ('Owner', 'en', 'Asia/Shanghai', 'family')"
        " RETURNING id"
    ).fetchone()[0]
    for vin in vins:
        conn.execute(
            "INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region)"
            " VALUES (%s, %s, 'Model T', 2022, 'EV', 'harbin')",
            (vin, customer),
        )


def _status(conn: psycopg.Connection, vin: str) -> tuple | None:
    return conn.execute(
        "SELECT status, rotated_at IS NOT NULL, revoked_at IS NOT NULL FROM vehicle_credential WHERE vin = %s",
        (vin,),
    ).fetchone()


def _delivered(peer: Peer, ingester: Peer, topic: str) -> bool:
    """Publish a fresh payload and return whether the ingester got it (a marker on the car's own topic on a second
    connection proves the broker has processed the first one: over MQTT 3.1.1 a denied PUBLISH is still acked)."""
    payload = uuid.uuid4().hex.encode()
    peer.publish(topic, payload)
    return (topic, payload) in ingester.received or _eventually(lambda: (topic, payload) in ingester.received)


def _eventually(predicate, timeout: float = 1.0) -> bool:
    try:
        wait_for(predicate, timeout=timeout, what="delivery")
        return True
    except AssertionError:
        return False


def test_a_provisioned_vehicle_publishes_its_own_topic_over_tls_and_the_ingester_receives_it(
    broker, conn, login, ingester
):
    _add_vehicles(conn, VIN_A)
    [issued] = broker.provisioner().provision(conn, vins=[VIN_A], now=NOW)
    assert issued.account.username == issued.account.client_id == VIN_A
    assert issued.account.topic == f"{TOPIC_ROOT}/{VIN_A}/telemetry"
    assert (issued.broker_host, issued.broker_port) == ("127.0.0.1", broker.tls_port)
    car = login(issued.account.username, issued.password, issued=issued)
    assert not car.connack[0].is_failure
    payload = uuid.uuid4().hex.encode()
    car.publish(issued.account.topic, payload)
    wait_for(lambda: (issued.account.topic, payload) in ingester.received, what="the car's telemetry")
    assert _status(conn, VIN_A) == ("active", False, False)
    assert "password" not in {c.name for c in conn.execute("SELECT * FROM vehicle_credential").description}


def test_a_vehicle_cannot_publish_for_another_or_read_anything(broker, conn, login, ingester):
    _add_vehicles(conn, VIN_A, VIN_B)
    a, b = broker.provisioner().provision(conn, vins=[VIN_A, VIN_B], now=NOW)
    forged = uuid.uuid4().hex.encode()
    login(VIN_A, a.password).publish(b.account.topic, forged)
    snoop = login(VIN_B, b.password)
    snoop.subscribe(f"{TOPIC_ROOT}/+/telemetry")
    marker = uuid.uuid4().hex.encode()
    login(VIN_A, a.password).publish(a.account.topic, marker)  # second connection: the first may be closed
    wait_for(lambda: (a.account.topic, marker) in ingester.received, what="the marker")
    assert all(p != forged for _, p in ingester.received)
    snoop.publish(b.account.topic, b"round-trip")  # answered in order: a delivery would precede this PUBACK
    assert snoop.received == []


def test_rotation_replaces_the_password_and_closes_the_old_session(broker, conn, login, ingester):
    _add_vehicles(conn, VIN_A)
    provisioner = broker.provisioner()
    [old] = provisioner.provision(conn, vins=[VIN_A], now=NOW)
    before = login(VIN_A, old.password)
    new = provisioner.rotate(conn, vin=VIN_A, now=NOW)
    assert new.password != old.password
    wait_for(
        lambda: not before.client.is_connected() or len(before.connack) > 1, what="the old session closed"
    )
    assert login(VIN_A, old.password).connack[0].is_failure
    car = login(VIN_A, new.password)
    assert not car.connack[0].is_failure
    assert _delivered(car, ingester, new.account.topic)
    assert _status(conn, VIN_A) == ("active", True, False)


def test_a_revoked_vehicle_is_refused_until_rotated(broker, conn, login, ingester):
    _add_vehicles(conn, VIN_A)
    provisioner = broker.provisioner()
    [issued] = provisioner.provision(conn, vins=[VIN_A], now=NOW)
    state = provisioner.revoke(conn, vin=VIN_A, now=NOW)
    assert (state.status, state.revoked_at) == ("revoked", NOW)
    assert login(VIN_A, issued.password).connack[0].is_failure
    again = provisioner.rotate(conn, vin=VIN_A, now=NOW)
    assert _delivered(login(VIN_A, again.password), ingester, again.account.topic)
    assert _status(conn, VIN_A) == ("active", True, False)


def test_deprovisioning_deletes_the_account_and_lets_the_vehicle_go(broker, conn, login):
    _add_vehicles(conn, VIN_A)
    provisioner = broker.provisioner()
    [issued] = provisioner.provision(conn, vins=[VIN_A], now=NOW)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):  # no broker account outlives its vehicle
        conn.execute("DELETE FROM vehicle WHERE vin = %s", (VIN_A,))
    assert provisioner.deprovision(conn, vin=VIN_A) is True
    assert login(VIN_A, issued.password).connack[0].is_failure
    with provisioner.session() as admin:
        assert admin.run([dynsec.get_client(VIN_A)])[0].error == "Client not found"
    assert _status(conn, VIN_A) is None
    assert provisioner.deprovision(conn, vin=VIN_A) is False
    conn.execute("DELETE FROM vehicle WHERE vin = %s", (VIN_A,))


def test_refusals_name_the_problem(broker, conn):
    _add_vehicles(conn, VIN_A)
    provisioner = broker.provisioner()
    with pytest.raises(UnknownVehicle, match=f"{VIN_B} is not a registered vehicle"):
        provisioner.provision(conn, vins=[VIN_A, VIN_B], now=NOW)
    assert _status(conn, VIN_A) is None  # checked before anything changed
    with pytest.raises(NotProvisioned):
        provisioner.rotate(conn, vin=VIN_A, now=NOW)
    list(provisioner.provision(conn, vins=[VIN_A], now=NOW))
    with pytest.raises(AlreadyProvisioned, match="carecast vehicles rotate"):
        provisioner.provision(conn, vins=[VIN_A], now=NOW)


def test_a_broker_account_left_without_its_row_is_made_again(broker, conn, login, ingester):
    """A crash between the broker's change and the table's leaves an account without a row: provisioning again
    replaces it (and its role) instead of failing on "Client already exists"."""
    _add_vehicles(conn, VIN_C)
    provisioner = broker.provisioner()
    with provisioner.session() as admin:
        admin.run(vehicle_commands(provisioner.account(VIN_C), "leftover"))
    [issued] = provisioner.provision(conn, vins=[VIN_C], now=NOW)
    assert login(VIN_C, "leftover").connack[0].is_failure
    assert _delivered(login(VIN_C, issued.password), ingester, issued.account.topic)
    provisioner.deprovision(conn, vin=VIN_C)


def test_broker_and_admin_failures_are_typed_and_actionable(broker):
    mqtt = MqttSettings(host="127.0.0.1", port=free_port(), topic_root=TOPIC_ROOT)
    down = Provisioner(mqtt=mqtt, settings=ProvisioningSettings(password=SecretStr("x"), timeout_s=2))
    with pytest.raises(BrokerUnavailable, match="cannot reach the MQTT broker at 127.0.0.1:"), down.session():
        pass
    wrong = Provisioner(
        mqtt=broker.mqtt(), settings=ProvisioningSettings(password=SecretStr("wrong"), timeout_s=2)
    )
    with pytest.raises(AdminRefused, match="refused the provisioning account"), wrong.session():
        pass
    not_admin = Provisioner(
        mqtt=broker.mqtt(),
        settings=ProvisioningSettings(
            username="carecast-ingest", password=SecretStr(INGEST_PASSWORD), timeout_s=2
        ),
    )
    with pytest.raises(AdminRefused, match="not administer"), not_admin.session():
        pass
    unset = Provisioner(mqtt=broker.mqtt(), settings=ProvisioningSettings())
    with pytest.raises(AdminRefused, match="CARECAST_PROVISIONING__PASSWORD is not set"):
        unset.session()


def _cli_settings(
    broker: SecuredBroker, database: DatabaseSettings, **provisioning: object
) -> VehiclesSettings:
    prov = broker.provisioner().settings.model_copy(update=provisioning)
    return VehiclesSettings(database=database, mqtt=broker.mqtt(), provisioning=prov)


def test_bulk_provisioning_writes_a_private_credentials_file_once(
    broker, database, conn, tmp_path, login, ingester
):
    fleet = [VIN_A, VIN_B, VIN_C]
    _add_vehicles(conn, *fleet)
    settings = _cli_settings(broker, database)
    out = tmp_path / "fleet.csv"
    os.umask(0o022)  # what a shell usually has: the file must still be 0600
    assert main(["provision", "--all-unprovisioned", "--output", str(out)], settings=settings) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CREDENTIALS_COLUMNS
    assert [r["vin"] for r in rows] == sorted(fleet)
    for row in rows:
        assert row["username"] == row["client_id"] == row["vin"]
        assert row["topic"] == f"{TOPIC_ROOT}/{row['vin']}/telemetry"
        assert (row["broker_host"], row["broker_port"]) == ("127.0.0.1", str(broker.tls_port))
        car = connect_peer(int(row["broker_port"]), row["username"], row["password"], ca=broker.ca)
        try:
            assert _delivered(car, ingester, row["topic"])
        finally:
            car.close()
    # Nothing left to provision, and the file is never overwritten.
    before = out.read_bytes()
    assert main(["provision", "--all-unprovisioned", "--output", str(out)], settings=settings) == 2
    assert out.read_bytes() == before
    listed = conn.execute("SELECT vin FROM vehicle_credential ORDER BY vin").fetchall()
    assert [v for (v,) in listed] == sorted(fleet)


def test_cli_commands_and_their_one_line_errors(broker, database, conn, tmp_path, capsys):
    _add_vehicles(conn, VIN_A)
    settings = _cli_settings(broker, database)
    assert main(["provision", VIN_A], settings=settings) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ",".join(CREDENTIALS_COLUMNS) and out[1].startswith(f"{VIN_A},{VIN_A},")
    assert main(["rotate", VIN_A, "-o", str(tmp_path / "a.csv")], settings=settings) == 0
    assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o600
    assert main(["revoke", VIN_A], settings=settings) == 0
    capsys.readouterr()
    assert main(["list", "--json"], settings=settings) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["vin"], listed["status"]) == (VIN_A, "revoked") and "password" not in listed
    assert main(["deprovision", VIN_A], settings=settings) == 0
    capsys.readouterr()

    def one_line(argv: list[str], cli_settings: VehiclesSettings = settings) -> tuple[int, str]:
        code = main(argv, settings=cli_settings)
        err = capsys.readouterr().err.strip().splitlines()
        return code, err[-1]

    code, err = one_line(["rotate", VIN_B])
    assert (code, err) == (1, f"carecast vehicles: {VIN_B} is not a registered vehicle; register it first")
    code, err = one_line(["provision", "NOT-A-VIN"])
    assert code == 2 and "is not a VIN" in err
    code, err = one_line(["provision", VIN_A], _cli_settings(broker, database, port=free_port()))
    assert code == 1 and "cannot reach the MQTT broker" in err and "CARECAST_PROVISIONING__HOST" in err
    code, err = one_line(["provision", VIN_A], _cli_settings(broker, database, password=SecretStr("wrong")))
    assert code == 1 and "refused the provisioning account 'carecast-provision'" in err


def test_the_credentials_file_is_created_before_any_password_is_issued(
    broker, database, conn, tmp_path: Path
):
    _add_vehicles(conn, VIN_A)
    taken = tmp_path / "taken.csv"
    taken.write_text("")
    assert main(["provision", VIN_A, "-o", str(taken)], settings=_cli_settings(broker, database)) == 2
    assert _status(conn, VIN_A) is None


def _documented_mosquitto_pub() -> str:
    """The shell block under `<!-- provisioning: mosquitto_pub -->` in docs/provisioning.md."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "provisioning.md").read_text()
    after = text.split("<!-- provisioning: mosquitto_pub -->", 1)[1]
    return after.split("```bash\n", 1)[1].split("```", 1)[0]


def test_the_documented_mosquitto_pub_command_delivers(broker, conn, ingester):
    """docs/provisioning.md's command, run as written with a provisioned car's values, over TLS."""
    if shutil.which("mosquitto_pub") is None:
        pytest.skip("mosquitto_pub is not installed (apt-get install mosquitto-clients)")
    _add_vehicles(conn, VIN_A)
    [issued] = broker.provisioner().provision(conn, vins=[VIN_A], now=NOW)
    block = _documented_mosquitto_pub()
    first, rest = block.split("\n", 1)
    assert first.startswith("VIN=") and "mosquitto_pub" in rest
    assigned = (
        f"VIN={issued.account.vin} PASSWORD={shlex.quote(issued.password)} HOST={issued.broker_host} "
        f"PORT={issued.broker_port} CAFILE={shlex.quote(str(broker.ca))}"
    )
    done = subprocess.run(["bash", "-euc", f"{assigned}\n{rest}"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    topic = issued.account.topic
    wait_for(lambda: any(t == topic for t, _ in ingester.received), what="the documented message")
    [payload] = [p for t, p in ingester.received if t == topic]
    message = json.loads(payload)
    assert message["vin"] == VIN_A and message["samples"][0]["signals"] == {"Vehicle.Speed": 0.0}
    wrong = subprocess.run(
        ["bash", "-euc", f"{assigned.replace(shlex.quote(issued.password), 'wrong')}\n{rest}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert wrong.returncode != 0 and "not authori" in (wrong.stderr + wrong.stdout).lower()


def test_setup_broker_adds_an_ingester_account_and_can_run_again(broker, database, login):
    """`carecast vehicles setup-broker --ingest NAME` (deploy/README.md step 3), passwords typed twice, run twice."""
    settings = _cli_settings(broker, database)
    for password in ("pw-3", "pw-3-new"):
        done = CliRunner().invoke(
            vehicles_command, ["setup-broker", "--ingest", "carecast-ingest-3"], input=f"{password}\n{password}\n",
            obj=settings,
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        assert "account carecast-ingest-3 (carecast-ingest)" in done.output
    assert login("carecast-ingest-3", "pw-3").connack[0].is_failure
    third = login("carecast-ingest-3", "pw-3-new")
    assert not third.connack[0].is_failure
    assert third.subscribe(f"$share/carecast/{TOPIC_ROOT}/+/telemetry").value == 1
    with broker.provisioner().session() as admin:  # the admin was limited to the plugin's topic, and still is
        role = admin.run([dynsec.get_role("admin")])[0].ok()
        assert {a["topic"] for a in role.data["role"]["acls"]} == {"$CONTROL/dynamic-security/#", "$SYS/#"}
