"""The offline dependency audit (scripts/audit_deps.py): OSV range semantics, withdrawn advisories, both formats."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "scripts" / "audit_deps.py")
audit_deps = importlib.util.module_from_spec(_spec)
sys.modules["audit_deps"] = audit_deps
_spec.loader.exec_module(audit_deps)

ADVISORY = {
    "id": "PYSEC-0000-1",
    "aliases": ["CVE-0000-1"],
    "modified": "2026-01-02T00:00:00Z",
    "affected": [
        {
            "package": {"name": "Some_Pkg", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.4.2"}]}],
            "versions": ["0.9.1"],
        }
    ],
}


def test_range_and_explicit_versions_decide_who_is_affected():
    for version, expected in [
        ("0.9", False),
        ("0.9.1", True),
        ("1.0", True),
        ("1.4.1", True),
        ("1.4.2", False),
    ]:
        hit, fixed = audit_deps.affects(ADVISORY, "some-pkg", version)
        assert (hit, fixed) == (expected, ("1.4.2",)), version


def test_last_affected_and_reintroduced_ranges():
    events = [{"introduced": "0"}, {"last_affected": "2.0"}, {"introduced": "3.0"}, {"fixed": "3.1"}]
    advisory = {**ADVISORY, "affected": [{"package": {"name": "p", "ecosystem": "PyPI"}, "ranges": [
        {"type": "ECOSYSTEM", "events": events}]}]}  # fmt: skip
    assert [audit_deps.affects(advisory, "p", v)[0] for v in ("1", "2.0", "2.1", "3.0", "3.1")] == [
        True, True, False, True, False,
    ]  # fmt: skip


def test_withdrawn_advisories_and_other_ecosystems_are_ignored():
    assert not audit_deps.affects({**ADVISORY, "withdrawn": "2026-02-01T00:00:00Z"}, "some-pkg", "1.0")[0]
    npm = {
        **ADVISORY,
        "affected": [{**ADVISORY["affected"][0], "package": {"name": "some-pkg", "ecosystem": "npm"}}],
    }
    assert not audit_deps.affects(npm, "some-pkg", "1.0")[0]


def test_the_command_reads_a_yaml_tree_or_a_json_zip_and_fails_on_a_finding(tmp_path, capsys):
    installed = audit_deps.installed_packages(sys.executable)
    name, version = "pyyaml", installed["pyyaml"]  # a package this interpreter really has
    advisory = {
        **ADVISORY,
        "affected": [{"package": {"name": "PyYAML", "ecosystem": "PyPI"}, "versions": [version]}],
    }
    tree = tmp_path / "db" / "vulns" / name
    tree.mkdir(parents=True)
    (tree / "PYSEC-0000-1.yaml").write_text(yaml.safe_dump(advisory))
    assert audit_deps.main([str(tmp_path / "db")]) == 1
    out = capsys.readouterr().out
    assert f"pyyaml=={version} PYSEC-0000-1 (CVE-0000-1)" in out and "affected=1" in out
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(
            "PYSEC-0000-1.json",
            json.dumps({**advisory, "affected": [{**advisory["affected"][0], "versions": ["0"]}]}),
        )
    assert audit_deps.main([str(archive)]) == 0
    assert "advisories=1 newest_advisory=2026-01-02T00:00:00Z affected=0" in capsys.readouterr().out
