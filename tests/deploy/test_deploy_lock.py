"""The lock files (made by `make lock`) cover pyproject.toml: every dependency, dev tool and the build backend is
pinned, with hashes, at a version its specifier allows; each lock is closed under its packages' own requirements
(the Dockerfile installs it with --no-deps); the dev lock pins the runtime packages as the runtime lock does; and
the environment running this test (`make install`: CI's too) has exactly the locked versions."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME, DEV, BUILD = "requirements.lock", "requirements-dev.lock", "requirements-build.lock"
# The platform the locks are resolved for (Makefile, `make lock`): CPython 3.11 on Linux x86_64.
TARGET = {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
          "python_version": "3.11", "implementation_name": "cpython", "os_name": "posix"}  # fmt: skip


def _lock(name: str) -> dict[str, tuple[str, int]]:
    """Return {canonical name: (pinned version, number of hashes)} of a pip-compile lock file."""
    text = (ROOT / name).read_text().replace("\\\n", " ")
    pins: dict[str, tuple[str, int]] = {}
    for line in text.splitlines():
        if not line or line.startswith((" ", "#", "-")):
            continue
        found = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        assert found, f"{name}: not an exact pin: {line[:80]}"
        pins[canonicalize_name(found.group(1))] = (found.group(2), line.count("--hash=sha256:"))
    return pins


def _applies(req: Requirement, extra: str = "") -> bool:
    return req.marker is None or req.marker.evaluate(TARGET | {"extra": extra})


def _assert_pins(requirements: list[str], lock: str) -> None:
    pins = _lock(lock)
    for text in requirements:
        req = Requirement(text)
        if not _applies(req):
            continue
        name = canonicalize_name(req.name)
        assert name in pins, f"{lock} does not pin {req.name} (run `make lock`)"
        assert req.specifier.contains(pins[name][0], prereleases=True), (
            f"{lock} pins {req.name}=={pins[name][0]}, outside pyproject's {req.specifier} (run `make lock`)"
        )


def test_the_runtime_lock_pins_every_runtime_dependency():
    _assert_pins(PROJECT["project"]["dependencies"], RUNTIME)


def test_the_dev_lock_pins_runtime_dev_and_build_dependencies_like_the_runtime_lock():
    _assert_pins(
        [*PROJECT["project"]["dependencies"], *PROJECT["project"]["optional-dependencies"]["dev"]], DEV
    )
    _assert_pins(PROJECT["build-system"]["requires"], DEV)
    _assert_pins(PROJECT["build-system"]["requires"], BUILD)
    dev = _lock(DEV)
    for name, (version, _) in _lock(RUNTIME).items():
        assert dev[name][0] == version, f"{name}: {RUNTIME} pins {version}, {DEV} {dev[name][0]}"


def test_jsonschema_is_a_dev_tool_only():
    runtime = {canonicalize_name(Requirement(r).name) for r in PROJECT["project"]["dependencies"]}
    assert "jsonschema" not in runtime
    assert any(
        Requirement(r).name == "jsonschema" for r in PROJECT["project"]["optional-dependencies"]["dev"]
    )


@pytest.mark.parametrize("lock", [RUNTIME, DEV, BUILD])
def test_every_pin_carries_hashes(lock):
    unhashed = [name for name, (_, hashes) in _lock(lock).items() if hashes == 0]
    assert not unhashed, f"{lock}: no hashes for {unhashed}; pip --require-hashes would refuse it"


@pytest.mark.parametrize("lock", [RUNTIME, DEV])
def test_each_lock_holds_what_its_packages_require(lock):
    """Closed under requirements: `pip install --no-deps -r LOCK` (the Dockerfile) misses nothing."""
    pins = _lock(lock)
    wanted = [(Requirement(r), "") for r in PROJECT["project"]["dependencies"]]
    for name in pins:
        wanted += [(Requirement(r), "") for r in metadata.requires(name) or []]
    for text in PROJECT["project"]["dependencies"]:
        for extra in Requirement(text).extras:  # e.g. psycopg[binary] brings psycopg-binary
            wanted += [(Requirement(r), extra) for r in metadata.requires(Requirement(text).name) or []]
    missing = {
        req.name for req, extra in wanted if _applies(req, extra) and canonicalize_name(req.name) not in pins
    }
    assert not missing, f"{lock} lacks {sorted(missing)}, required by packages it pins (run `make lock`)"


def test_this_environment_runs_the_locked_versions():
    """`make install` installs requirements-dev.lock; a drifted environment tests something else than CI does."""
    drifted = {}
    for name, (version, _) in _lock(DEV).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            drifted[name] = (installed, version)
    assert not drifted, f"installed vs locked: {drifted}; run `make install`"
