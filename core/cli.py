"""The ``carecast`` command: one entry point for every stage, and the boundary every command runs inside.

Each stage is its own process and keeps its own ``python -m`` entry (``python -m ingest`` is ``carecast ingest``):
its ``__main__`` defines a click command and runs it through `run_command`, which

- warns once about ``CARECAST_*`` variables no process reads (a misspelled name is otherwise silently ignored),
- prints the failures an operator can fix (database or broker unreachable, a bad setting, any `CarecastError`)
  as one line on stderr with exit status 1 (2 for usage errors), the traceback only with ``--debug`` or
  ``CARECAST_DEBUG=1``.

The group imports a command's module only when it runs, so ``carecast --help`` stays fast; the one-line
descriptions listed here are checked against the commands' own help by tests/core/test_cli.py.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import click

from core.cli_args import parse_instant
from core.cli_errors import explain

# name -> (module defining `command`, one-line description), in the order and sections of `carecast --help`.
SECTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "Run the product": {
        "up": ("core.supervise", "Run every stage and a simulated fleet on this machine until Ctrl-C."),
        "demo": ("simulators.demo", "Run a time-compressed scenario through the whole pipeline and report."),
    },
    "Stages (one process each)": {
        "migrate": ("core.migrate_main", "Apply pending database migrations and print the storage mode."),
        "ingest": ("ingest.__main__", "Store vehicle telemetry from MQTT in PostgreSQL until stopped."),
        "detect": ("detection.__main__", "Raise, update and resolve risks from the daily telemetry rollup."),
        "notify": ("notify.__main__", "Turn risks into care messages and bookings, and deliver them."),
        "mail-in": ("notify.mailin", "Receive owners' e-mail replies and put them on their center's feed."),
        "api": ("api.__main__", "Serve the HTTP API for service centers, owners and managers."),
        "simulate": ("simulators.__main__", "Publish a simulated fleet's telemetry over MQTT."),
    },
    "Operate": {
        "keys": ("api.keys", "Create, rotate, revoke and list API keys and owner tokens."),
        "vehicles": (
            "core.provisioning_main",
            "Provision, rotate, revoke and list vehicles' MQTT broker credentials.",
        ),
        "report": ("notify.report", "Print reports from the database."),
        "import": ("core.import_main", "Import master data or service visits from a CSV or JSON Lines file."),
        "customer": ("core.customer_main", "Export or erase the personal data of one customer."),
        "advisors": ("core.advisors_main", "Invite and list service advisors' accounts."),
    },
    "Evaluate": {
        "evaluate": ("bench.backtest", "Backtest every risk rule on a simulated fleet and score it."),
        "evaluate-battery": (
            "bench.backtest_battery",
            "Score the battery end-of-life forecast on cell data.",
        ),
    },
}
COMMANDS: dict[str, tuple[str, str]] = {
    name: v for section in SECTIONS.values() for name, v in section.items()
}

# Modules whose import defines every settings class (subclasses of core.settings.BaseProcessSettings).
SETTINGS_MODULES = (
    "core.settings",
    "core.supervise",
    "ingest.settings",
    "detection.settings",
    "notify.settings",
    "api.settings",
    "simulators.settings",
)
# CARECAST_* variables read outside the settings classes.
OTHER_VARIABLES = {
    "CARECAST_DEBUG": "tracebacks instead of one-line errors",
    "CARECAST_ENV_CHECKED": "set by `carecast up` for its stages: the variables were checked once already",
    "CARECAST_DEMO_DIR": "where `carecast demo` keeps its stage logs",
    "CARECAST_TEST_ADMIN_URL": "the server `carecast evaluate` and the tests create throwaway databases on",
    "CARECAST_TEST_*": "the test suite's own switches (CARECAST_TEST_TIMESCALE_URL …)",
    "CARECAST_PGHOST": "scripts/devenv.sh: where to look for PostgreSQL",
    "CARECAST_PGPORT": "scripts/devenv.sh: where to look for PostgreSQL",
}
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Instant(click.ParamType):
    """An ISO 8601 time (naive means UTC), as an aware datetime."""

    name = "ISO-8601"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Return the aware datetime, or fail with the parser's message."""
        if not isinstance(value, str):
            return value
        try:
            return parse_instant(value)
        except argparse.ArgumentTypeError as exc:
            self.fail(str(exc), param, ctx)


INSTANT = Instant()


class LazyGroup(click.Group):
    """A group that imports a command's module only to run it or show its help."""

    def __init__(self, *args: Any, sections: dict[str, dict[str, tuple[str, str]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        self.table = {name: v for section in sections.values() for name, v in section.items()}

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the command names in the order of the help page."""
        return list(self.table)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the command, importing its module; None for an unknown name."""
        if cmd_name not in self.table:
            return None
        return load(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve as click does, suggesting close names for a typo, and remember the name for error lines."""
        name = args[0]
        if name not in self.table and not name.startswith("-") and not ctx.resilient_parsing:
            raise click.exceptions.NoSuchCommand(name, possibilities=list(self.table), ctx=ctx)
        resolved = super().resolve_command(ctx, args)
        ctx.meta["carecast.command"] = f"{ctx.command_path} {resolved[0]}"
        return resolved

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands by section with their one-line descriptions, without importing them."""
        width = max(len(name) for name in self.table)  # one column width for every section
        for title, commands in self.sections.items():
            with formatter.section(title):
                formatter.write_dl([(name.ljust(width), text) for name, (_, text) in commands.items()])


def load(name: str) -> click.Command:
    """Return the click command `carecast NAME` (imports its module)."""
    command = importlib.import_module(COMMANDS[name][0]).command
    assert isinstance(command, click.Command), f"{COMMANDS[name][0]}.command is not a click command"
    return command


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    try:
        version = metadata.version("carecast")
    except metadata.PackageNotFoundError:
        version = "unknown (not installed: pip install -e .)"
    click.echo(f"carecast {version}")
    ctx.exit(0)


def _debug(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        os.environ["CARECAST_DEBUG"] = "1"  # the stages `up` and `demo` start inherit it


@click.group(cls=LazyGroup, sections=SECTIONS, context_settings=CONTEXT_SETTINGS)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Print the installed version and exit.")  # fmt: skip
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_debug,
              help="Show tracebacks instead of one-line errors (also CARECAST_DEBUG=1).")  # fmt: skip
def cli() -> None:
    """Carecast: predictive maintenance for car after-sales from vehicle telemetry.

    Every command reads its settings from CARECAST_* environment variables and from ./.env (nested groups
    with "__", e.g. CARECAST_DATABASE__URL); .env.example documents each one. A misspelled CARECAST_* name
    gets a warning. Run carecast COMMAND --help for a command's options.
    """


def debugging() -> bool:
    """Return True when tracebacks were asked for (--debug or CARECAST_DEBUG=1)."""
    return os.environ.get("CARECAST_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def warn_unknown_variables(prog: str, *, env_file: str = ".env") -> int:
    """Print one warning line per CARECAST_* variable (environment or .env) no process reads; return how many."""
    from core.settings import BaseProcessSettings, unknown_variables

    environ = os.environ
    if environ.get("CARECAST_ENV_CHECKED") == "1":
        return 0
    names = {name: "" for name in environ}
    if os.path.isfile(env_file):
        from dotenv import dotenv_values

        names.update({name: f" (in {env_file})" for name in dotenv_values(env_file) if name not in names})
    for module in SETTINGS_MODULES:
        importlib.import_module(module)
    exact = [name for name in OTHER_VARIABLES if not name.endswith("*")]
    prefixes = tuple(name.rstrip("*") for name in OTHER_VARIABLES if name.endswith("*"))
    checked = {name: where for name, where in names.items() if not name.upper().startswith(prefixes)}
    unknown = unknown_variables(checked, _subclasses(BaseProcessSettings), also=exact)
    for name, close in unknown:
        hint = f"did you mean {close}?" if close else "see .env.example for the settings"
        click.echo(f"{prog}: warning: {name}{names[name]} is not a Carecast setting and is ignored; {hint}",
                   err=True)  # fmt: skip
    return len(unknown)


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    out: list[type[Any]] = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def run_command(command: click.Command, argv: Sequence[str] | None = None, **extra: Any) -> int:
    """Run a click command as a process boundary; return its exit status (SystemExit(2) for usage errors).

    `extra` goes to the click context (``obj=`` lets a test hand in settings).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    prog = "carecast" if command is cli else f"carecast {command.name}"
    if not {"-h", "--help", "--version"} & set(args):
        warn_unknown_variables(prog)
    try:
        with command.make_context(prog, args, **extra) as ctx:
            try:
                return int(command.invoke(ctx) or 0)
            except (click.UsageError, click.exceptions.Exit, click.Abort):
                raise
            except click.ClickException as exc:  # raised by a command after parsing (InvalidInput)
                click.echo(f"{ctx.meta.get('carecast.command', prog)}: {exc.format_message()}", err=True)
                return exc.exit_code
            except KeyboardInterrupt:
                click.echo(f"\n{ctx.meta.get('carecast.command', prog)}: interrupted", err=True)
                return 130
            except Exception as exc:
                if debugging():
                    raise
                click.echo(f"{ctx.meta.get('carecast.command', prog)}: {explain(exc)}", err=True)
                return 1
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except click.UsageError as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except click.ClickException as exc:
        click.echo(f"{prog}: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.Abort:
        click.echo(f"\n{prog}: interrupted", err=True)
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``carecast ARGS``; return the exit status."""
    return run_command(cli, argv)


if __name__ == "__main__":
    sys.exit(main())
