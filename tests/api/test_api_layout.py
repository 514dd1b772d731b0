"""The API's shape: one center-scope rule applied through one dependency, and pure packages that stay pure."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

import api.routes
from api.auth.principals import CenterPrincipal
from api.auth.scope import center_refusal
from api.deps import center_scope

API = Path(__file__).resolve().parents[2] / "api"
CENTER = CenterPrincipal(key_id=1, role="center", center_id=7)
ADMIN = CenterPrincipal(key_id=2, role="admin", center_id=None)
# Center routes whose caller is not a bearer key known before the route runs, so they apply center_refusal
# themselves: the feed authenticates inside its one SQL statement, the calendar feed also takes a link token.
APPLIES_THE_RULE_ITSELF = {
    "/v1/service-centers/{center_id}/suggested-bookings",
    "/v1/service-centers/{center_id}/calendar.ics",
}
PURE = ("views", "policy", "auth/credentials.py", "auth/scope.py", "auth/signing.py", "auth/ratelimit.py",
        "feed/cache.py", "feed/cursor.py")  # fmt: skip
IO_LIBS = {"psycopg", "psycopg_pool", "fastapi", "starlette", "uvicorn", "socket", "os", "anyio"}


@pytest.mark.parametrize(
    ("caller", "center_id", "found", "status"),
    [
        (CENTER, 7, None, None),
        (CENTER, 8, None, 403),
        (CENTER, 8, False, 403),  # another center's id is 403 whether or not it exists
        (ADMIN, 8, None, None),  # the route's own lookup answers for a missing center
        (ADMIN, 8, True, None),
        (ADMIN, 8, False, 404),
        (CENTER, 7, False, None),  # existence is asked for admin keys only
    ],
)
def test_the_center_scope_rule(caller, center_id, found, status):
    refusal = center_refusal(caller, center_id, center_found=None if found is None else lambda: found)
    assert (refusal and refusal.status) == status


def _calls(dependant) -> set:
    return {dependant.call} | {call for sub in dependant.dependencies for call in _calls(sub)}


def test_every_center_route_takes_its_scope_from_the_one_dependency():
    modules = [
        importlib.import_module(m.name) for m in pkgutil.iter_modules(api.routes.__path__, "api.routes.")
    ]
    every = [r for m in modules for r in m.router.routes if isinstance(r, APIRoute)]
    routes = [r for r in every if r.path.startswith("/v1/service-centers/")]
    assert len(routes) >= 12
    for route in routes:
        if route.path in APPLIES_THE_RULE_ITSELF:
            continue
        assert center_scope in _calls(route.dependant), route.path


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("where", PURE)
def test_pure_api_modules_do_no_io(where):
    paths = sorted((API / where).rglob("*.py")) if (API / where).is_dir() else [API / where]
    assert paths and all(p.exists() for p in paths), where
    for path in paths:
        text = path.read_text("utf-8")
        assert not _imports(path) & IO_LIBS, path
        assert "datetime.now(" not in text and "date.today(" not in text, f"{path} reads the clock"
