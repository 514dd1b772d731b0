"""docker-compose.yml, Dockerfile and .env.example say what deploy/README.md promises (no Docker engine needed)."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from core.cli import COMMANDS as STAGES
from core.settings import BaseProcessSettings
from ingest.settings import IngestTuning

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "ingest", "detect", "notify", "api", "simulate")
SECRETS = ("POSTGRES_PASSWORD", "MQTT_INGEST_PASSWORD", "MQTT_SIMULATOR_PASSWORD", "API_SECRET")
DIGEST = r"(@sha256:[0-9a-f]{64})?"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _service_roles() -> set[str]:
    """The service accounts `carecast vehicles setup-broker` makes: one role each, named like the account."""
    from core.provisioning import SERVICE_ROLES

    return set(SERVICE_ROLES)


def test_database_is_pinned_timescaledb_with_healthcheck_and_volume(compose):
    db = compose["services"]["db"]
    assert re.fullmatch(r"timescale/timescaledb:\d+\.\d+\.\d+-pg1[67]", db["image"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(
        v.endswith(":/var/lib/postgresql/data") and v.split(":")[0] in compose["volumes"]
        for v in db["volumes"]
    )
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_broker_mounts_the_tested_config_and_keeps_its_accounts_in_the_data_volume(compose):
    broker = compose["services"]["mosquitto"]
    assert re.fullmatch(rf"eclipse-mosquitto:2\.0\.\d+{DIGEST}", broker["image"])
    mounts = {}
    for volume in broker["volumes"]:
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume["source"], volume["target"]
            assert volume["bind"]["create_host_path"] is False
        mounts[target] = source
    assert mounts["/mosquitto/config/mosquitto.conf"] == "./deploy/mosquitto/mosquitto.conf"
    # Accounts and ACLs are the dynamic-security plugin's (deploy/README.md): no password file, no acl file.
    assert not {"/mosquitto/config/acl", "/mosquitto/config/passwd"} & set(mounts)
    assert mounts["/mosquitto/certs"] == "./deploy/mosquitto/certs"
    assert "certs/" in (ROOT / "deploy" / "mosquitto" / ".gitignore").read_text().split()
    assert mounts["/mosquitto/data"] in compose["volumes"]
    assert "dynamic-security.json" in (ROOT / "deploy" / "mosquitto" / ".gitignore").read_text().split()
    conf = (ROOT / "deploy" / "mosquitto" / "mosquitto.conf").read_text()
    assert "allow_anonymous false" in conf and "max_queued_messages 0" in conf and "persistence true" in conf
    assert re.search(r"^plugin /usr/lib/mosquitto_dynamic_security\.so$", conf, re.M)  # the image's path
    assert re.search(r"^plugin_opt_config_file /mosquitto/data/dynamic-security\.json$", conf, re.M)
    assert not re.search(r"^(password_file|acl_file) ", conf, re.M)


def test_vehicles_reach_the_broker_only_over_tls(compose):
    """Only 8883 (TLS) is published on the host; plain 1883 stays on the compose network."""
    broker = compose["services"]["mosquitto"]
    assert broker["ports"] == ["8883:8883"]
    assert "1883" in [str(p) for p in broker.get("expose", [])]
    conf = (ROOT / "deploy" / "mosquitto" / "mosquitto.conf").read_text()
    listeners = re.split(r"^listener ", conf, flags=re.M)[1:]
    assert [block.split()[0] for block in listeners] == ["1883", "8883"]
    for block in listeners:  # a per-listener option: each listener binds client ids to accounts
        assert re.search(r"^use_username_as_clientid true$", block, re.M)
    tls = listeners[1]
    assert "certfile /mosquitto/certs/server.crt" in tls and "keyfile /mosquitto/certs/server.key" in tls
    # The broker's limit is the MQTT contract's (the ingester's default payload limit).
    assert re.search(rf"^message_size_limit {IngestTuning().max_payload_bytes}$", conf, re.M)


def test_api_secret_is_required_like_the_other_secrets(compose):
    """Unset, the API made a random secret per start: every advisor session and calendar link died on restart."""
    env = compose["services"]["api"]["environment"]
    assert env["CARECAST_API__SECRET"].startswith("${API_SECRET:?")


def test_app_services_run_carecast_stages_after_migrate(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == "." and service["image"] == services["migrate"]["image"]
        assert service["command"][0] in STAGES, name
        env = service["environment"]
        assert env["CARECAST_DATABASE__TIMESCALE"] == "on"
        assert env["CARECAST_DATABASE__URL"].startswith("postgresql://carecast@db:5432/")
        assert env["PGPASSWORD"].startswith("${POSTGRES_PASSWORD:?")
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"  # one-shot: "unless-stopped" would loop after success
    assert [s["command"][0] for s in map(services.get, ("ingest", "detect", "notify", "api"))] == [
        "ingest",
        "detect",
        "notify",
        "api",
    ]
    assert "8000:8000" in services["api"]["ports"]
    assert services["api"]["environment"]["CARECAST_API__HOST"] == "0.0.0.0"
    assert services["simulate"]["profiles"] == ["demo"]


def test_mqtt_accounts_are_service_roles_and_passwords_come_from_env(compose):
    users = _service_roles()
    for name in ("ingest", "simulate"):
        env = compose["services"][name]["environment"]
        assert env["CARECAST_MQTT__HOST"] == "mosquitto"
        assert env["CARECAST_MQTT__USERNAME"] in users
        assert re.fullmatch(r"\$\{MQTT_[A-Z]+_PASSWORD:[?-].*\}", env["CARECAST_MQTT__PASSWORD"])
    for name, service in compose["services"].items():
        for key, value in service.get("environment", {}).items():
            if "PASSWORD" in key:
                assert str(value).startswith("${"), f"{name}.{key} must come from .env, not the compose file"


def test_dockerfile_builds_one_non_root_image_with_the_carecast_entrypoint():
    text = (ROOT / "Dockerfile").read_text()
    bases = re.findall(r"^FROM (\S+)", text, re.M)
    assert len(bases) == 2 and len(set(bases)) == 1, "build and runtime stages share one base image"
    assert re.fullmatch(rf"python:3\.11\.\d+-slim-(bookworm|trixie){DIGEST}", bases[0]), bases[0]
    # dependencies only from the hash-checked locks; the project's wheel goes in alone
    assert "pip install --require-hashes --no-deps -r requirements-build.lock" in text
    assert "pip install --require-hashes --no-deps -r /tmp/requirements.lock" in text
    assert "pip wheel --no-deps --no-build-isolation" in text and "pip install --no-deps /wheels/" in text
    assert re.search(r"^HEALTHCHECK .*CMD \[\"carecast-healthcheck\"\]$", text, re.M)
    assert "COPY deploy/healthcheck.py /usr/local/bin/carecast-healthcheck" in text
    assert "!deploy/healthcheck.py" in (ROOT / ".dockerignore").read_text().split()
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["carecast"]' in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", ".run"} <= set(ignored)


def test_every_image_is_pinned_to_an_exact_version():
    """No floating tag (`:2`, `:3.11-slim`, `latest`): the same compose file runs the same images next year."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, service in services.items():
        image = service["image"]
        if service.get("build"):
            assert image == f"carecast:{metadata.version('carecast')}", name  # this repository's Dockerfile
            continue
        tag = image.split("@")[0].rsplit(":", 1)
        assert len(tag) == 2 and re.match(r"\d+\.\d+\.\d+(-|$)", tag[1]), (
            f"{name}: {image} is not an exact version"
        )


def test_every_service_has_a_healthcheck_but_the_one_shot_migration(compose):
    services = compose["services"]
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        if name == "migrate":
            # one-shot: the others wait for its successful exit, so the image's check is switched off
            assert check == {"disable": True} and service["restart"] == "no"
            continue
        assert check["test"][0] in ("CMD", "CMD-SHELL") and check["interval"] and check["retries"], name
    for name in ("ingest", "detect", "notify", "simulate"):
        assert services[name]["healthcheck"]["test"] == ["CMD", "carecast-healthcheck"], name
    assert services["ingest"]["depends_on"]["mosquitto"]["condition"] == "service_healthy"
    assert services["simulate"]["depends_on"]["ingest"]["condition"] == "service_healthy"


def _settings_variables() -> set[str]:
    """Every CARECAST_* variable a process settings class reads (dict fields as their prefix)."""
    names: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for field, info in model.model_fields.items():
            if inspect.isclass(info.annotation) and issubclass(info.annotation, BaseModel):
                walk(info.annotation, f"{prefix}{field.upper()}__")
            else:
                names.add(f"{prefix}{field.upper()}")

    for path in sorted(ROOT.glob("*/settings.py")):
        module = importlib.import_module(f"{path.parent.name}.settings")
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, BaseProcessSettings):
                walk(cls, "CARECAST_")
    return names


def test_env_example_documents_every_setting_and_secret(compose):
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"\bCARECAST_[A-Z0-9_]+", text))
    missing = {name for name in _settings_variables() if not any(d.startswith(name) for d in documented)}
    assert not missing, f".env.example does not document {sorted(missing)}"
    used = set(re.findall(r"\$\{([A-Z_]+)[:}]", (ROOT / "docker-compose.yml").read_text()))
    assert set(SECRETS) <= used
    for name in used - {"CARECAST_LOG__LEVEL"}:
        assert re.search(rf"^{name}=$", text, re.M), (
            f".env.example must list {name}= (empty: no secret in git)"
        )


def test_docker_compose_accepts_the_file():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("the docker compose plugin is not installed here; the YAML checks above still ran")
    env = {**os.environ, **dict.fromkeys(SECRETS, "x")}
    done = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
