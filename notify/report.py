"""``carecast report rules``: per-rule precision as seen in real workshops (confirmed vs no fault found) and lead
time, from the outcomes service centers recorded."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg.rows import dict_row

from core.db import connect, query
from notify.settings import NotifySettings


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """Workshop outcomes of one rule."""

    rule_id: str
    kind: str
    confirmed: int
    no_fault: int
    verified: int
    lead_days: float | None
    to_service_days: float | None

    @property
    def precision(self) -> float | None:
        """Return confirmed / (confirmed + no fault found), None before any outcome."""
        seen = self.confirmed + self.no_fault
        return self.confirmed / seen if seen else None


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
            f"{r.rule_id:<28} {r.kind:<16} {r.confirmed:>9} {r.no_fault:>8} {num(r.precision, '.2f'):>9} "
            f"{r.verified:>8} {num(r.lead_days, '.1f'):>9} {num(r.to_service_days, '.1f'):>15}"
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
        rows = conn.cursor(row_factory=dict_row).execute(query("notify", "rule_outcomes")).fetchall()
    print(format_table([RuleOutcome(**row) for row in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
