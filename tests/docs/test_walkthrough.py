"""The README's and docs/api.md's walkthrough commands, run for real: `carecast demo` builds the database the docs
were written against, `carecast keys create` makes the key as the docs tell an operator to, a real `python -m api`
serves it, and every block marked `<!-- walkthrough: run -->` runs in bash, command by command, with `$API` and
`$KEY` set as the docs say. Each command must exit 0 and print what the document shows it printing
(tests/docs/walkthrough.py says how outputs are compared); blocks that cannot run here say why in their marker."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.api_server import serve_api
from tests.conftest import ROOT, RUN_ID, _admin, _db_url
from tests.docs.walkthrough import Block, Step, output_problems, shell_blocks, steps

DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "api.md")
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Walkthrough:
    """The demo database, the API serving it, and the environment the documented commands run in."""

    database_url: str
    api: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def walkthrough(broker_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walkthrough]:
    """`carecast demo` on its own database (as docs/api.md's walkthrough was made), served by a real API."""
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"the documented commands need {', '.join(missing)} (apt-get install {' '.join(missing)})"
        )
    work = tmp_path_factory.mktemp("walkthrough")
    base_url = _db_url(f"carecast_w_{RUN_ID}")  # demo makes and migrates <name>_demo next to it
    database_url = f"{base_url}_demo"
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CARECAST_") or k == "CARECAST_TEST_ADMIN_URL"
        },
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "CARECAST_MQTT__HOST": "127.0.0.1",
        "CARECAST_MQTT__PORT": str(broker_port),
        "CARECAST_DATABASE__TIMESCALE": "off",
    }
    demo = subprocess.run(
        ["carecast", "demo"],
        env={**env, "CARECAST_DATABASE__URL": base_url, "CARECAST_DEMO_DIR": str(work / "demo")},
        cwd=work,
        capture_output=True,
        text=True,
        timeout=180,
    )
    try:
        assert demo.returncode == 0, f"carecast demo failed:\n{demo.stdout[-3000:]}\n{demo.stderr[-3000:]}"
        # A receiver on 127.0.0.1 is accepted only with this development setting (docs/api.md, step 10).
        api_env = {**env, "CARECAST_EGRESS__ALLOW_LOOPBACK": "true"}
        with serve_api(database_url, log=work / "api.log", env=api_env) as api:
            yield Walkthrough(
                database_url=database_url,
                api=api.url,
                env={**env, "CARECAST_DATABASE__URL": database_url, "API": api.url},
            )
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{database_url.rpartition("/")[2]}" WITH (FORCE)')


def run_step(step: Step, *, env: dict[str, str], state: Path, cwd: Path) -> tuple[int, str]:
    """Run one documented command in bash, with the variables earlier commands set; return (status, output).

    stdout and stderr are read together, as a terminal shows them; `pipefail`, so `curl … | jq` fails when
    either does; every variable a command sets is kept in `state` for the next."""
    quoted = shlex.quote(str(state))
    script = f"set -a -o pipefail\nsource {quoted}\n{step.command}\n__status=$?\nexport -p > {quoted}\nexit $__status\n"
    done = subprocess.run(
        ["bash", "-c", script],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout


def run_document(path: Path, *, env: dict[str, str], cwd: Path, transcript: list[str] | None = None) -> int:
    """Run every `run` block of `path` in order; fail at the first command that breaks. Return the count.

    `transcript` gets each command and its output, as a terminal would show them (to update the document)."""
    state = cwd / "state.sh"
    state.write_text("")
    ran = 0
    for block in (b for b in shell_blocks(path) if b.run):
        for step in steps(block):
            status, output = run_step(step, env=env, state=state, cwd=cwd)
            if transcript is not None:
                transcript += [f"$ {step.command}", output.rstrip("\n")]
            where = f"{path.relative_to(ROOT)}:{step.line}: $ {step.command}"
            assert status == 0, f"{where}\nexit status {status}:\n{output}"
            problems = output_problems(step.expected, output)
            assert not problems, f"{where}\n" + "\n".join(problems) + f"\n--- output:\n{output}"
            ran += 1
    return ran


def _center_code(database_url: str, center_id: int) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT code FROM service_center WHERE id = %s", (center_id,)).fetchone()
    assert row, f"no service center {center_id} in the demo database"
    return row[0]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_shell_block_is_run_or_skipped_with_a_reason(path: Path) -> None:
    blocks = shell_blocks(path)
    unmarked = [b.where for b in blocks if not b.run and not b.skip_reason]
    assert not unmarked, (
        f"mark these blocks <!-- walkthrough: run --> or <!-- walkthrough: skip: why -->: {unmarked}"
    )
    assert any(b.run for b in blocks), f"{path.name} has no walkthrough block left to run"


def test_readme_commands_answer_as_shown(walkthrough: Walkthrough, tmp_path: Path) -> None:
    """README's checks: `KEY` is a key of center 10, as `carecast up` printed it there."""
    code = _center_code(walkthrough.database_url, 10)
    key = subprocess.run(
        ["carecast", "keys", "create", "--center", code, "--label", "readme"],
        env=walkthrough.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert run_document(ROOT / "README.md", env={**walkthrough.env, "KEY": key}, cwd=tmp_path) >= 2


def test_api_walkthrough_runs_as_documented(walkthrough: Walkthrough, tmp_path: Path) -> None:
    """docs/api.md's "first ten minutes", from `carecast keys create` to the webhook registration."""
    assert run_document(ROOT / "docs" / "api.md", env=walkthrough.env, cwd=tmp_path) >= 20


# The comparison itself, on documented outputs and broken answers (a wrong status, a missing field, a renamed line).


def test_console_blocks_split_into_commands_and_their_output() -> None:
    block = Block(
        path=Path("doc.md"),
        line=10,
        lang="console",
        text='$ KEY=$(carecast keys create)\nstored cc_live_x\n$ echo "$KEY"\ncc_live_abc\n\n$ R=MTI\n',
        run=True,
        skip_reason=None,
    )
    assert [(s.command, s.expected, s.line) for s in steps(block)] == [
        ("KEY=$(carecast keys create)", ["stored cc_live_x"], 11),
        ('echo "$KEY"', ["cc_live_abc"], 13),
        ("R=MTI", [], 16),
    ]


def test_markers_are_read_from_the_line_before_the_fence(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "<!-- walkthrough: run -->\n```console\n$ true\n```\n\n"
        "<!-- walkthrough: skip: serves forever -->\n```bash\nmake run\n```\n\n"
        "```sh\necho unmarked\n```\n\n```python\nprint('not shell')\n```\n\n```\nplain output\n```\n"
        "1. In a list:\n\n   <!-- walkthrough: run -->\n   ```console\n   $ echo hi\n   hi\n   ```\n"
    )
    blocks = shell_blocks(doc)
    assert [(b.line, b.lang, b.run, b.skip_reason) for b in blocks] == [
        (2, "console", True, None),
        (7, "bash", False, "serves forever"),
        (11, "sh", False, None),
        (25, "console", True, None),
    ]
    assert [(s.command, s.expected) for s in steps(blocks[-1])] == [("echo hi", ["hi"])]


@pytest.mark.parametrize(
    ("expected", "actual", "complaint"),
    [
        (
            ['{"status": "ready", "checks": {"database": {"ok": true}}}'],
            '{"status":"ready","checks":{}}',
            "no 'database'",
        ),
        (['{"status": "ready"}'], '{"status":"not_ready"}', "'not_ready' where the document shows 'ready'"),
        (['{"items": [{"id": 7}]}'], '{"items":[{"id":"7"}]}', "expected a number"),
        (['{"id": 7}'], "Internal Server Error", "not JSON"),
        (
            ['{"error":{"code":"forbidden"}} HTTP 403'],
            '{"error":{"code":"forbidden"}} HTTP 404',
            "HTTP 404 where",
        ),
        (
            ['{"error":{"code":"forbidden"}} HTTP 403'],
            '{"error":{"code":"not_found"}} HTTP 403',
            "'not_found' where",
        ),
        (['{"a":1}', '{"a":2}'], "", "printed nothing"),
        (
            ['{"error":{"code":"validation_error","message":"query.limit: x",...}}'],
            '{"error":{"code":"other"}}',
            "start",
        ),
        (["403"], "401", "401 where the document shows 403"),
        (
            ["BEGIN:VCALENDAR", "UID:booking-7@carecast"],
            "BEGIN:VCALENDAR\nDTSTART:1\n",
            "'UID:booking-7@carecast'",
        ),
        (
            ['carecast_api_requests_total{route="/livez"} 1.0'],
            'carecast_api_requests_total{route="/x"} 1.0',
            "no line",
        ),
    ],
)
def test_an_answer_that_differs_from_the_document_is_caught(expected, actual, complaint) -> None:
    problems = output_problems(expected, actual)
    assert any(complaint in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (
            ['{"next_cursor": "OA", "items": [{"id": 7, "x": null}]}'],
            '{"next_cursor":null,"items":[{"id":9,"x":1}]}',
        ),
        (['{"a":1}', '{"a":2}'], '{"a":5}\n'),
        (
            ["stored cc_live_Sv6rE3SI; the secret above is shown only once"],
            "stored cc_live_Q1; the secret above …",
        ),
        (["cc_live_Sv6rE3SINABN615cNj5ihmUs"], "cc_live_other-secret_123\n"),
        (["UID:booking-7@carecast", " ician: 李强", "…"], "UID:booking-3@carecast\n"),
        (
            ['{"error":{"code":"validation_error","message":"m",...}}'],
            '{"error":{"code":"validation_error","message":"m","d":[]}}',
        ),
        ([], "anything at all"),
    ],
)
def test_what_varies_between_runs_is_not_compared(expected, actual) -> None:
    assert output_problems(expected, actual) == []
