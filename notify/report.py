"""``carecast report rules``: per-rule precision as seen in real workshops (confirmed vs no fault found) and lead
time, from the outcomes service centers recorded."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence

import click
import orjson

from core.cli import CONTEXT_SETTINGS, run_command
from core.db import connect
from core.outcomes import rule_outcomes
from domain.outcomes import RuleOutcome
from notify.settings import NotifySettings


def format_table(rows: Sequence[RuleOutcome]) -> str:
    """Return the report as an aligned text table."""

    def num(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    lines = [
        f"{'rule':<28} {'kind':<16} {'confirmed':>9} {'no_fault':>8} {'precision':>9} {'verified':>8} "
        f"{'lead_days':>9} {'to_service_days':>15}"
    ]
    for r in rows:
        lines.append(
            f"{r.rule_id:<28} {r.kind:<16} {r.confirmed:>9} {r.no_fault_found:>8} {num(r.precision, '.2f'):>9} "
            f"{r.verified:>8} {num(r.lead_days_median, '.1f'):>9} {num(r.days_to_service_median, '.1f'):>15}"
        )
    if not rows:
        lines.append("(no workshop outcomes recorded yet)")
    return "\n".join(lines)


@click.group(name="report", context_settings=CONTEXT_SETTINGS)
def command() -> None:
    """Print reports from the database."""


@command.command(name="rules")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array instead of the table.")
def rules_command(as_json: bool) -> int:
    """Per-rule precision in real workshops and lead time.

    For each rule version: how many warnings the workshop confirmed as a fault and how many found none
    (precision = confirmed / both), how many repairs telemetry verified, the median lead time from the first
    warning to the predicted failure, and the median days from the warning to the visit.
    """
    settings = NotifySettings()
    with connect(settings.database) as conn:
        rows = rule_outcomes(conn, since=None)
    if as_json:
        data = [{**dataclasses.asdict(r), "precision": r.precision} for r in rows]
        print(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    else:
        print(format_table(rows))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Print the requested report; return the exit code."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
