"""Architecture guard: stages talk through tables, never by importing each other; they may import the pure domain
layer (domain/) and infrastructure (core/); core may import domain; domain imports neither and does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("ingest", "detection", "notify", "api", "simulators")
IO_LIBS = {
    "psycopg",
    "psycopg_pool",
    "paho",
    "fastapi",
    "uvicorn",
    "apscheduler",
    "starlette",
    "os",
    "socket",
}
PURE_MODULES = (
    "ingest/decode.py",
    "detection/rules/battery_12v.py",
    "detection/rules/ev_battery.py",
    "detection/rules/brakes.py",
    "detection/rules/seasonal.py",
    "detection/rules/summer.py",
    "detection/rules/wipers.py",
    "detection/rules/tyre_pressure.py",
    "detection/rules/holiday_trip.py",
    "detection/rules/maintenance.py",
    "detection/rules/dtc.py",
    "detection/rule.py",
    "detection/lv_battery.py",
    "detection/ambient.py",
    "detection/brake_fluid.py",
    "notify/policy.py",
    "notify/booking.py",
    "notify/compose.py",
    "simulators/climate.py",
    "simulators/models.py",
    "simulators/fleet.py",
    "simulators/scenario.py",
    "simulators/dtc.py",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_stage_imports_no_other_stage(stage):
    others = set(STAGES) - {stage}
    for path in (ROOT / stage).rglob("*.py"):
        bad = _imports(path) & others
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}: stages talk through tables, not imports"


def test_core_imports_no_stage():
    for path in (ROOT / "core").rglob("*.py"):
        bad = _imports(path) & set(STAGES)
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_domain_is_pure_and_imports_only_itself():
    """The domain layer: no stage, no core, no I/O library, no clock, no settings."""
    for path in (ROOT / "domain").rglob("*.py"):
        name = path.relative_to(ROOT)
        imported = _imports(path)
        bad = imported & (set(STAGES) | {"core", "bench", "pydantic_settings"} | IO_LIBS)
        assert not bad, f"{name} imports {bad}: the domain layer is pure"
        text = path.read_text("utf-8")
        assert "datetime.now(" not in text and "date.today(" not in text, f"{name} reads the clock"


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_do_no_io(module):
    path = ROOT / module
    assert path.exists(), f"{module} is listed as a pure module but does not exist"
    text = path.read_text("utf-8")
    bad = _imports(path) & IO_LIBS
    assert not bad, f"{module} imports I/O libraries {bad}"
    assert "datetime.now(" not in text and "date.today(" not in text, (
        f"{module} reads the clock; pass `now` in"
    )
