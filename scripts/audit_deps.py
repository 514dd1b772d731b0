"""Audit the installed Python packages against an OSV advisory database that is on disk (no network needed).

    python scripts/audit_deps.py ADVISORIES [--python .venv/bin/python]

ADVISORIES is either a checkout of https://github.com/pypa/advisory-database (its ``vulns/`` tree of OSV YAML
files) or OSV's PyPI export (https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip, OSV JSON files),
as a folder or the zip itself. Every installed distribution of the given interpreter is checked against the
advisories' ECOSYSTEM ranges and explicit version lists. Prints one line per finding and the date of the newest
advisory read (an old database finds nothing new: say how old it was). Exit status 1 when anything is affected.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

_LIST_INSTALLED = (
    "import json, importlib.metadata as m;"
    "print(json.dumps(sorted({(d.metadata['Name'], d.version) for d in m.distributions() if d.metadata['Name']})))"
)


@dataclass(frozen=True)
class Finding:
    """One installed distribution affected by one advisory."""

    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed: tuple[str, ...]


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_range(version: Version, events: list[dict]) -> bool:
    """OSV ECOSYSTEM range semantics: introduced/fixed/last_affected events in version order."""
    points: list[tuple[Version, str]] = []
    for event in events:
        for kind in ("introduced", "fixed", "last_affected"):
            if kind in event:
                at = Version("0") if event[kind] == "0" else _version(str(event[kind]))
                if at is not None:
                    points.append((at, kind))
    affected = False
    for at, kind in sorted(points, key=lambda p: p[0]):
        if kind == "introduced" and version >= at:
            affected = True
        elif kind == "fixed" and version >= at or kind == "last_affected" and version > at:
            affected = False
    return affected


def affects(advisory: dict, package: str, version: str) -> tuple[bool, tuple[str, ...]]:
    """Return whether `advisory` affects `package==version`, and the fixed versions it names."""
    parsed = _version(version)
    hit, fixed = False, []
    for entry in advisory.get("affected", []):
        pkg = entry.get("package", {})
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(pkg.get("name", "")) != package:
            continue
        if version in {str(v) for v in entry.get("versions", [])}:
            hit = True
        for rng in entry.get("ranges", []):
            if rng.get("type") != "ECOSYSTEM":
                continue
            fixed += [str(e["fixed"]) for e in rng.get("events", []) if "fixed" in e]
            if parsed is not None and _in_range(parsed, rng.get("events", [])):
                hit = True
    withdrawn = bool(advisory.get("withdrawn"))
    return hit and not withdrawn, tuple(fixed)


def _documents(source: Path) -> Iterator[dict]:
    """Yield every OSV advisory in a folder (YAML or JSON files) or in OSV's zip export."""
    if source.is_file() and source.suffix == ".zip":
        with zipfile.ZipFile(source) as archive:
            for name in archive.namelist():
                if name.endswith(".json"):
                    yield json.loads(archive.read(name))
        return
    for path in sorted(source.rglob("*")):
        if path.suffix in (".yaml", ".yml"):
            yield yaml.safe_load(path.read_text())
        elif path.suffix == ".json":
            yield json.loads(path.read_text())


def audit(advisories: Iterable[dict], installed: dict[str, str]) -> tuple[list[Finding], str, int]:
    """Return the findings, the newest `modified` date seen and the number of advisories read."""
    findings: list[Finding] = []
    newest, count = "", 0
    for advisory in advisories:
        if not isinstance(advisory, dict):
            continue
        count += 1
        newest = max(newest, str(advisory.get("modified", "")))
        names = {
            canonicalize_name(e.get("package", {}).get("name", "")) for e in advisory.get("affected", [])
        }
        for package in names & installed.keys():
            hit, fixed = affects(advisory, package, installed[package])
            if hit:
                aliases = tuple(advisory.get("aliases") or ())
                findings.append(Finding(package, installed[package], advisory["id"], aliases, fixed))
    return findings, newest, count


def installed_packages(python: str) -> dict[str, str]:
    """Return {canonical name: version} of every distribution installed for `python`."""
    out = subprocess.run([python, "-c", _LIST_INSTALLED], check=True, capture_output=True, text=True).stdout
    return {canonicalize_name(name): version for name, version in json.loads(out)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("advisories", type=Path, help="pypa/advisory-database checkout or OSV PyPI all.zip")
    parser.add_argument("--python", default=sys.executable, help="interpreter whose packages are audited")
    args = parser.parse_args(argv)
    source = args.advisories / "vulns" if (args.advisories / "vulns").is_dir() else args.advisories
    installed = installed_packages(args.python)
    findings, newest, count = audit(_documents(source), installed)
    for f in sorted(findings, key=lambda f: (f.package, f.advisory)):
        also = f" ({', '.join(f.aliases)})" if f.aliases else ""
        print(
            f"{f.package}=={f.version} {f.advisory}{also} fixed in: {', '.join(f.fixed) or 'no fix listed'}"
        )
    print(
        f"audit: packages={len(installed)} advisories={count} newest_advisory={newest or 'unknown'} "
        f"affected={len(findings)}"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
