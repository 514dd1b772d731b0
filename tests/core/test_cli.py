"""The `carecast` command: every command's help reads cleanly (and docs/cli.md is generated from it), each failure
an operator can fix prints one line that says what to do, a misspelled CARECAST_ variable is warned about, list and
report commands speak JSON, and progress bars appear on terminals only."""

from __future__ import annotations

import importlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import click
import pytest

from core.cli import COMMANDS, OTHER_VARIABLES, SETTINGS_MODULES, load
from core.settings import BaseProcessSettings, unknown_variables
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def _carecast(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    # A clean debug switch: a developer's CARECAST_DEBUG=1 would turn the one-line errors into tracebacks.
    env = {k: v for k, v in (os.environ if env is None else env).items() if k != "CARECAST_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def _env(**overrides: str) -> dict[str, str]:
    return {**os.environ, "CARECAST_LOG__FORMAT": "json", **overrides}


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# --- help -------------------------------------------------------------------------------------------------------


def _all_commands() -> list[tuple[str, click.Command]]:
    """Return ("carecast keys create", command) for every command and subcommand."""
    out = []

    def walk(path: str, command: click.Command) -> None:
        out.append((path, command))
        if isinstance(command, click.Group):
            for name in command.list_commands(click.Context(command)):
                walk(f"{path} {name}", command.get_command(click.Context(command), name))

    for name in COMMANDS:
        walk(f"carecast {name}", load(name))
    return out


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_is_listed_with_its_own_first_help_line(name):
    command = load(name)
    assert command.name == name
    first = command.help.strip().splitlines()[0]
    assert COMMANDS[name][1] == first, (
        f"core/cli.py lists {name} as {COMMANDS[name][1]!r}, its help says {first!r}"
    )


def test_help_lists_every_command_with_a_description():
    done = _carecast("--help")
    assert done.returncode == 0 and done.stderr == ""
    words = " ".join(done.stdout.split()) + " "  # the lines wrap at the terminal's width
    for name, (_, description) in COMMANDS.items():
        assert f" {name} {' '.join(description.split())} " in words, name


@pytest.mark.parametrize(("path", "command"), _all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_help_reads_cleanly(path, command):
    parent = click.Context(click.Group("carecast"), info_name="carecast")
    ctx = click.Context(command, info_name=path.removeprefix("carecast "), parent=parent, terminal_width=80)
    text = command.get_help(ctx)
    assert text.startswith(f"Usage: {path} "), text.splitlines()[0]
    assert "``" not in text and "`" not in text, f"{path}: markup in the help"
    assert "python -m" not in text.splitlines()[0]
    assert not any(line.rstrip().endswith("...") for line in text.splitlines()[1:]), f"{path}: help cut short"
    assert command.help and command.help.strip().splitlines()[0].endswith("."), (
        f"{path}: no one-line description"
    )
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("help",):
            assert param.help, f"{path} {param.opts[0]} has no help"


def test_docs_page_is_generated_from_the_commands():
    done = subprocess.run([sys.executable, "scripts/cli_docs.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("module", "usage"),
    [("ingest", "carecast ingest"), ("bench.backtest", "carecast evaluate"), ("api.keys", "carecast keys")],
)
def test_python_dash_m_speaks_of_carecast(module, usage):
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith(f"Usage: {usage} "), done.stdout + done.stderr


def test_version_comes_from_the_installed_package():
    from importlib import metadata

    done = _carecast("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"carecast {metadata.version('carecast')}"


# --- failures: one line each ------------------------------------------------------------------------------------


def test_an_unknown_command_is_a_usage_error_with_a_suggestion():
    done = _carecast("detec", "--once")
    assert done.returncode == 2
    assert "No such command 'detec'" in done.stderr and "Did you mean 'detect'?" in done.stderr


def test_a_bad_option_value_is_a_usage_error():
    done = _carecast("detect", "--once", "--now", "yesterday")
    assert done.returncode == 2 and "not an ISO 8601 time: 'yesterday'" in done.stderr
    assert "Traceback" not in done.stderr


def test_database_unreachable(tmp_path):
    port = free_port()  # nothing listens there
    done = _carecast(
        "keys", "list", env=_env(CARECAST_DATABASE__URL=f"postgresql://postgres@127.0.0.1:{port}/x")
    )
    assert done.returncode == 1
    assert _one_line(done.stderr) == (
        f"carecast keys: cannot reach PostgreSQL at 127.0.0.1:{port} (Connection refused); is it running? "
        "set CARECAST_DATABASE__URL"
    )


def test_database_missing(database):
    url = database.url.rsplit("/", 1)[0] + "/carecast_no_such_database"
    done = _carecast("report", "rules", env=_env(CARECAST_DATABASE__URL=url))
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert (
        line.startswith("carecast report: PostgreSQL at ")
        and 'has no database "carecast_no_such_database"' in line
    )
    assert "createdb" in line and "CARECAST_DATABASE__URL" in line


def test_database_not_migrated(empty_database):
    done = _carecast("report", "rules", env=_env(CARECAST_DATABASE__URL=empty_database.url))
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert "does not exist" in line and line.endswith("run `carecast migrate`")


def test_a_setting_that_does_not_parse_names_the_variable(database):
    done = _carecast("report", "rules", env=_env(CARECAST_DATABASE__URL=database.url,
                                                 CARECAST_DATABASE__POOL_MAX="lots"))  # fmt: skip
    assert done.returncode == 1
    assert _one_line(done.stderr) == (
        "carecast report: invalid setting CARECAST_DATABASE__POOL_MAX='lots': Input should be a valid integer, "
        "unable to parse string as an integer; fix it in the environment or .env (see .env.example)"
    )


def test_a_secret_setting_is_never_echoed():
    from pydantic import ValidationError

    from core.cli_errors import explain
    from core.settings import MqttSettings

    with pytest.raises(ValidationError) as caught:

        class ProbeSettings(BaseProcessSettings):
            mqtt: MqttSettings = MqttSettings()

        ProbeSettings.model_validate({"mqtt": {"password": 12345678}})
    line = explain(caught.value)
    assert "CARECAST_MQTT__PASSWORD" in line and "12345678" not in line


def test_a_carecast_error_is_its_message(database):
    done = _carecast("keys", "create", "--center", "NOPE", env=_env(CARECAST_DATABASE__URL=database.url))
    assert done.returncode == 1 and done.stdout == ""
    assert _one_line(done.stderr) == "carecast keys: no service center with code 'NOPE'"


def test_a_bad_rule_setting_is_one_line_with_status_2(database):
    done = _carecast("detect", "--once", env=_env(CARECAST_DATABASE__URL=database.url,
                                                  CARECAST_DETECTION__RULES__BRAKES__LIMIT="9"))  # fmt: skip
    assert done.returncode == 2
    assert _one_line(done.stderr).startswith("carecast detect: rule brakes has no parameter(s) ['limit']")


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_debug_shows_the_traceback(how):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/x"
    if how == "flag":
        done = _carecast("--debug", "keys", "list", env=_env(CARECAST_DATABASE__URL=url))
    else:
        done = subprocess.run([sys.executable, "-m", "api.keys", "list"], cwd=ROOT, capture_output=True, text=True,
                              env=_env(CARECAST_DATABASE__URL=url, CARECAST_DEBUG="1"), timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "psycopg.OperationalError" in done.stderr


# --- misspelled variables ---------------------------------------------------------------------------------------


def test_every_settings_class_is_known_to_the_check():
    for module in SETTINGS_MODULES:
        importlib.import_module(module)
    stages = sorted(p.parent.name for p in ROOT.glob("*/settings.py") if p.parent.name not in ("core",))
    assert {f"{s}.settings" for s in stages} <= set(SETTINGS_MODULES), "a stage's settings.py is not listed"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CARECAST_DATABSE__URL", ("CARECAST_DATABSE__URL", "CARECAST_DATABASE__URL")),
        ("CARECAST_NOTIFY__INTERVALS", ("CARECAST_NOTIFY__INTERVALS", "CARECAST_NOTIFY__INTERVAL_S")),
        ("CARECAST_CLIENT_ID", ("CARECAST_CLIENT_ID", "CARECAST_INGEST__CLIENT_ID")),
        ("CARECAST_ZZZ", ("CARECAST_ZZZ", None)),
        ("CARECAST_DATABASE__URL", None),
        ("carecast_log__level", None),  # pydantic-settings reads names case-insensitively
        ("CARECAST_DATABASE", None),  # a whole group as one JSON value
        ("CARECAST_DETECTION__RULES__BRAKES__LIMIT_PCT", None),  # free-form rule parameters
        ("CARECAST_TEST_ADMIN_URL", None),
        ("PATH", None),
    ],
)
def test_unknown_variables(name, expected):
    for module in SETTINGS_MODULES:
        importlib.import_module(module)
    models = [BaseProcessSettings, *BaseProcessSettings.__subclasses__()]
    got = unknown_variables([name], models, also=[n for n in OTHER_VARIABLES if not n.endswith("*")])
    assert got == ([expected] if expected else [])


def test_a_misspelled_variable_is_warned_about_with_the_closest_name(database, tmp_path):
    (tmp_path / ".env").write_text("CARECAST_LOG__LEVL=DEBUG\n")
    env = _env(
        CARECAST_DATABASE__URL=database.url, CARECAST_DATABSE__POOL_MAX="8", CARECAST_TEST_ANYTHING="1"
    )
    done = _carecast("report", "rules", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "carecast: warning: CARECAST_DATABSE__POOL_MAX is not a Carecast setting and is ignored; "
        "did you mean CARECAST_DATABASE__POOL_MAX?",
        "carecast: warning: CARECAST_LOG__LEVL (in .env) is not a Carecast setting and is ignored; "
        "did you mean CARECAST_LOG__LEVEL?",
    ]


# --- JSON output --------------------------------------------------------------------------------------------------


def test_list_and_report_commands_print_one_json_document(database):
    env = _env(CARECAST_DATABASE__URL=database.url)
    assert _carecast("keys", "create-admin", "--label", "ops", env=env).returncode == 0
    keys = _carecast("keys", "list", "--json", env=env)
    assert keys.returncode == 0, keys.stderr
    rows = json.loads(keys.stdout)
    assert [(r["kind"], r["role"], r["label"]) for r in rows] == [("api_key", "admin", "ops")]
    report = _carecast("report", "rules", "--json", env=env)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout) == []


def test_migrate_through_the_entry_point(empty_database):
    done = _carecast("migrate", env=_env(CARECAST_DATABASE__URL=empty_database.url))
    assert done.returncode == 0, done.stderr
    assert '"mode": "postgres"' in done.stderr and '"event": "migrate.done"' in done.stderr


# --- progress -----------------------------------------------------------------------------------------------------

_PROGRESS = """
from core.progress import progress
with progress() as bar:
    bar.phase("counting sheep", total=3)
    for _ in range(3):
        bar.advance()
print("done")
"""


def test_progress_is_drawn_on_a_terminal_only():
    piped = subprocess.run(
        [sys.executable, "-c", _PROGRESS], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert piped.returncode == 0 and piped.stdout == "done\n" and piped.stderr == ""

    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-c", _PROGRESS])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"counting sheep" in out and b"done" in out
