"""What a risk rule is: the `Rule` protocol every module in ``detection/rules/`` satisfies.

A rule module holds its parameters as a frozen dataclass `Params` (the defaults are the tuned values; operators
override them by name, see ``detection.rules.configured``), names itself with `RULE_ID` and `RULE_VERSION` (the
version goes up when the same data would give different flags), says which `KIND` of risk it flags, and judges the
whole frame in `evaluate`: pure, `now` passed in, one flag per vehicle at most. The rules are listed explicitly in
``detection.rules.RULES``; nothing registers itself. Helpers two rules share live beside this module in
``detection/`` (``lv_battery``, ``ambient``, ``brake_fluid``), never in one rule that another imports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from detection.flags import RuleResult
from domain.vocabulary import RiskKind


@runtime_checkable
class Rule(Protocol):
    """A risk rule: its identity, its kind, its parameters' type and its judgement over the daily rollup frame."""

    RULE_ID: str
    RULE_VERSION: int
    KIND: RiskKind
    Params: type[Any]

    def evaluate(self, frame: pd.DataFrame, *, now: datetime, params: Any) -> RuleResult:
        """Return the flags of this rule over `frame` as known at `now`, and which vehicles it could judge."""
        ...


# A rule with the parameters it runs with.
ConfiguredRule = tuple[Rule, Any]
