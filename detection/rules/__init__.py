"""The risk rules, listed explicitly: every rule module satisfies ``detection.rule.Rule`` (`Params`, `RULE_ID`,
`RULE_VERSION`, `KIND` and ``evaluate(frame, *, now, params) -> RuleResult``). Nothing registers itself; add a rule
by adding it here. Only rules live in this package: what two rules share is in ``detection/``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from detection.errors import RuleConfigError
from detection.rule import ConfiguredRule, Rule
from detection.rules import (
    battery_12v,
    brakes,
    dtc,
    ev_battery,
    holiday_trip,
    maintenance,
    seasonal,
    summer,
    tyre_pressure,
    wipers,
)

RULES: tuple[ConfiguredRule, ...] = (
    (battery_12v, battery_12v.Params()),
    (ev_battery, ev_battery.Params()),
    (brakes, brakes.Params()),
    (seasonal, seasonal.Params()),
    (wipers, wipers.Params()),
    (tyre_pressure, tyre_pressure.Params()),
    (summer, summer.Params()),
    (holiday_trip, holiday_trip.Params()),
    (maintenance, maintenance.Params()),
    (dtc, dtc.Params()),
)


def rule_name(rule: Rule) -> str:
    """Return the short name a rule is configured by (its module name, e.g. 'ev_battery')."""
    return str(getattr(rule, "__name__", type(rule).__name__)).rsplit(".", 1)[-1]


def configured(overrides: Mapping[str, Mapping[str, Any]]) -> tuple[ConfiguredRule, ...]:
    """Return RULES with parameter overrides applied, e.g. ``{"ev_battery": {"threshold_pct": 78}}``."""
    names = {rule_name(module) for module, _ in RULES}
    unknown = set(overrides) - names
    if unknown:
        raise RuleConfigError(f"unknown rule(s) {sorted(unknown)}; known: {sorted(names)}")
    out = []
    for module, params in RULES:
        changes = dict(overrides.get(rule_name(module), {}))
        bad = set(changes) - {f.name for f in dataclasses.fields(params)}
        if bad:
            raise RuleConfigError(f"rule {rule_name(module)} has no parameter(s) {sorted(bad)}")
        try:
            out.append((module, _replace(params, changes)))
        except (TypeError, ValueError, KeyError) as exc:
            raise RuleConfigError(f"rule {rule_name(module)}: {exc}") from exc
    return tuple(out)


def _replace(params: Any, changes: Mapping[str, Any]) -> Any:
    """Return `params` with `changes` applied, each value coerced to the type of the field's default."""
    typed: dict[str, Any] = {}
    for name, value in changes.items():
        default = getattr(params, name)
        if isinstance(default, bool):
            typed[name] = value if isinstance(value, bool) else _BOOLS[str(value).lower()]
        elif isinstance(default, int | float):
            typed[name] = type(default)(value)
        else:
            raise TypeError(f"parameter {name} cannot be overridden")
    return dataclasses.replace(params, **typed)


_BOOLS = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}
