"""docs/go-live.md, run as written: from an empty database to a first real car. The files it shows are saved, and
every block marked `<!-- walkthrough: run -->` runs in bash against PostgreSQL and a private Mosquitto started from
the shipped deploy/mosquitto/mosquitto.conf (dynamic security bootstrapped as deploy/README.md says): import,
provisioning, `mosquitto_pub` over TLS with the issued credentials, one detection and notify pass, and the API's
answers to the center and the owner."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port
from tests.docs.test_walkthrough import run_document
from tests.docs.walkthrough import documented_files, shell_blocks
from tests.dynsec_broker import INGEST_PASSWORD, running_secured_broker

DOCUMENT = ROOT / "docs" / "go-live.md"
VENV_BIN = Path(sys.executable).parent


def _stop_background(cwd: Path) -> None:
    """Stop what the document started in the background (its own last step does, unless a step failed)."""
    for pid_file in cwd.glob("*.pid"):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    cwd = tmp_path / "operator"
    cwd.mkdir()
    try:
        yield cwd
    finally:
        _stop_background(cwd)


def test_every_block_is_run_or_skipped_and_every_file_is_saved() -> None:
    blocks = shell_blocks(DOCUMENT)
    assert all(b.run or b.skip_reason for b in blocks), [
        b.where for b in blocks if not (b.run or b.skip_reason)
    ]
    assert set(documented_files(DOCUMENT)) == {
        "centers.csv", "technicians.csv", "parts.csv", "stock.csv", "customers.csv", "vehicles.csv",
    }  # fmt: skip


def test_go_live_from_an_empty_database_to_a_first_real_car(
    empty_database, tmp_path: Path, work: Path
) -> None:
    missing = [t for t in ("bash", "curl", "jq", "psql", "mosquitto_pub") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"docs/go-live.md needs {', '.join(missing)} (apt-get install curl jq postgresql-client "
                    "mosquitto-clients)")  # fmt: skip
    with running_secured_broker(tmp_path / "broker") as broker:
        for name, text in documented_files(DOCUMENT).items():
            (work / name).write_text(text)
        api_port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CARECAST_")},
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "CARECAST_DATABASE__URL": empty_database.url,
            "CARECAST_DATABASE__TIMESCALE": "off",
            "CARECAST_MQTT__HOST": "127.0.0.1",
            "CARECAST_MQTT__PORT": str(broker.port),
            "CARECAST_MQTT__USERNAME": "carecast-ingest",
            "CARECAST_MQTT__PASSWORD": INGEST_PASSWORD,
            "CARECAST_PROVISIONING__PASSWORD": broker.admin_password,
            "CARECAST_PROVISIONING__VEHICLE_HOST": "127.0.0.1",
            "CARECAST_PROVISIONING__VEHICLE_PORT": str(broker.tls_port),
            "MQTT_HOST": "127.0.0.1",
            "MQTT_TLS_PORT": str(broker.tls_port),
            "CA_FILE": str(broker.ca),
            "API_PORT": str(api_port),
            "API": f"http://127.0.0.1:{api_port}",
            # the document's outputs are a daytime run: at night (21:00-08:00 in the owner's zone) notify holds the
            # message for the morning, as the document says, and the inbox step would find nothing
            "CARECAST_NOTIFY__QUIET_START": "00:00",
            "CARECAST_NOTIFY__QUIET_END": "00:00",
        }
        transcript: list[str] = []
        try:
            assert run_document(DOCUMENT, env=env, cwd=work, transcript=transcript) >= 20
        except AssertionError:
            for log in ("ingest.log", "api.log"):
                if (work / log).exists():
                    print(f"--- {log}\n{(work / log).read_text()[-4000:]}")
            raise
        finally:
            _stop_background(work)  # before the broker goes
            print("\n".join(transcript))  # shown with -s or on failure: the outputs docs/go-live.md shows
