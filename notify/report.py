"""``carecast report rules``: per-rule precision as seen in real workshops (confirmed vs no fault found) and lead
time, from the outcomes service centers recorded."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


def main(argv: list[str] | None = None) -> int:
    """Print the requested report; return the exit code."""
    parser = argparse.ArgumentParser(prog="carecast report", description=__doc__.splitlines()[0])
    parser.add_argument("report", choices=["rules"], help="rules: per-rule workshop precision and lead time")
    parser.parse_args(argv)
    settings = NotifySettings()
    with connect(settings.database) as conn:
        rows = rule_outcomes(conn, since=None)
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
