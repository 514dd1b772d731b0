"""Shape shared by every rule (the `Rule` protocol), RiskFlag/RuleResult invariants, parameter overrides and the
Theil–Sen fit."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from detection.errors import RuleConfigError
from detection.flags import RiskFlag, RuleResult
from detection.frame import empty_frame
from detection.rule import Rule
from detection.rules import RULES, configured, rule_name
from detection.trend import median, theil_sen, theil_sen_slope
from domain.evidence import MODELS, BrakePadsEvidence, WinterPrepEvidence, parse_evidence
from domain.vocabulary import RULE_KINDS, RiskKind, Severity

RULES_DIR = Path(__file__).resolve().parents[2] / "detection" / "rules"


def _flag(**changes) -> RiskFlag:
    base = {"vehicle_id": 1, "kind": RiskKind.BRAKE_PADS, "rule_id": "r", "rule_version": 1,
            "severity": Severity.HIGH, "confidence": 0.5, "diagnosis": "pads_worn",
            "evidence": BrakePadsEvidence()}  # fmt: skip
    return RiskFlag(**(base | changes))


def test_rules_are_listed_once_per_kind_with_the_common_shape():
    kinds = [module.KIND for module, _ in RULES]
    assert sorted(kinds) == sorted(RULE_KINDS)  # every kind but owner requests, which owners file
    assert len({module.RULE_ID for module, _ in RULES}) == len(RULES)
    for module, params in RULES:
        assert dataclasses.is_dataclass(params) and isinstance(params, module.Params)
        assert isinstance(module.RULE_ID, str) and isinstance(module.RULE_VERSION, int)


@pytest.mark.parametrize(("module", "params"), RULES, ids=[rule_name(m) for m, _ in RULES])
def test_every_listed_rule_satisfies_the_rule_protocol(module, params):
    assert isinstance(module, Rule)
    assert isinstance(module.KIND, RiskKind) and module.RULE_VERSION >= 1 and module.RULE_ID
    assert dataclasses.is_dataclass(module.Params) and module.Params.__dataclass_params__.frozen
    assert params == module.Params(), "RULES lists each rule with its default parameters"
    signature = inspect.signature(module.evaluate)
    assert list(signature.parameters) == ["frame", "now", "params"]
    assert [p.kind for p in signature.parameters.values()] == [
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.KEYWORD_ONLY,
    ]  # fmt: skip


def test_every_rule_module_is_listed_and_no_rule_imports_another():
    modules = {p.stem for p in RULES_DIR.glob("*.py")} - {"__init__"}
    assert modules == {rule_name(m) for m, _ in RULES}, (
        "detection/rules/ holds the listed rules and nothing else"
    )
    for path in RULES_DIR.glob("*.py"):
        if path.stem == "__init__":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                bad = [n for n in names if n.startswith("detection.rules")]
                assert not bad, f"{path.name} imports {bad}: shared helpers live in detection/, not in a rule"


@pytest.mark.parametrize(("module", "params"), RULES, ids=[rule_name(m) for m, _ in RULES])
def test_every_rule_accepts_an_empty_frame(module, params, now):
    result = module.evaluate(empty_frame(), now=now, params=params)
    assert result == RuleResult(rule_id=module.RULE_ID, kind=module.KIND)


def test_every_rule_flags_a_bad_fleet_with_json_evidence(daily, concat, now):
    frame = concat(
        daily(1, days=60, lv_v_min=9.2, air_temp_min=20.0, lv_v_rest_avg=12.5, air_temp_avg=2.0, pad_wear_max=85,
              odometer_max_m=lambda i: 1e7 + 40_000 * i, service_km=200.0,
              dtc_codes=[""] * 58 + ["P0300:04", "P0300:88"]),
        daily(2, days=60, powertrain="EV", hv_soh_avg=79.0, lv_v_rest_avg=12.6, lv_v_min=12.4),
        # hot, worn wipers, a low tyre: the seasonal rules; NOW is 32 days before the 2026 Spring Festival
        # summer began 10 days ago (an onset message is due; a car hot for its whole history gets none)
        daily(3, days=60, air_temp_avg=lambda i: 18.0 if i < 50 else 30.0, air_temp_max=36.0, wiper_wear_max=95.0,
              tire_kpa_min=190.0, pad_wear_max=70.0),
    )  # fmt: skip
    for module, params in RULES:
        if rule_name(module) == "holiday_trip":
            params = dataclasses.replace(params, lead_days=40)
        result = module.evaluate(frame, now=now, params=params)
        assert result.flags, module.RULE_ID
        for flag in result.flags:
            assert flag.rule_id == module.RULE_ID and flag.rule_version == module.RULE_VERSION
            assert isinstance(flag.evidence, MODELS[module.KIND])
            stored = json.loads(json.dumps(flag.evidence.to_json(), allow_nan=False))
            assert parse_evidence(module.KIND, stored) == flag.evidence, "evidence survives the database"
            assert flag.evidence.readings and "threshold" in stored


@pytest.mark.parametrize(
    "changes",
    [
        {"confidence": 1.2},
        {"confidence": -0.1},
        {"predicted_low": date(2026, 3, 1), "predicted_high": date(2026, 2, 1)},
    ],
)
def test_flag_invariants(changes):
    with pytest.raises(ValueError):
        _flag(**changes)


def test_a_flag_carries_the_evidence_of_its_kind():
    with pytest.raises(TypeError, match="its kind's evidence"):
        _flag(evidence=WinterPrepEvidence())


def test_rule_result_refuses_wrong_kind_and_duplicates():
    with pytest.raises(ValueError, match="expected"):
        RuleResult(rule_id="r", kind=RiskKind.WINTER_PREP, flags=(_flag(),))
    with pytest.raises(ValueError, match="twice"):
        RuleResult(rule_id="r", kind=RiskKind.BRAKE_PADS, flags=(_flag(), _flag()))
    result = RuleResult(
        rule_id="r", kind=RiskKind.BRAKE_PADS, flags=(_flag(),), evaluated_vehicle_ids=frozenset({1, 2})
    )
    assert result.cleared_vehicle_ids == {2}


def test_overrides_are_typed_and_checked():
    rules = dict(
        (rule_name(m), p)
        for m, p in configured(
            {"ev_battery": {"threshold_pct": "78", "min_days": "20", "require_significant_decline": "false"}}
        )
    )
    assert rules["ev_battery"].threshold_pct == 78.0 and rules["ev_battery"].min_days == 20
    assert rules["ev_battery"].require_significant_decline is False
    assert rules["brakes"] == dict((rule_name(m), p) for m, p in RULES)["brakes"]
    with pytest.raises(RuleConfigError, match="unknown rule"):
        configured({"tyres": {}})
    with pytest.raises(RuleConfigError, match="no parameter"):
        configured({"brakes": {"limit": 70}})
    with pytest.raises(RuleConfigError):
        configured({"brakes": {"min_days": "many"}})
    with pytest.raises(RuleConfigError):
        configured({"seasonal": {"battery": "x"}})


def test_theil_sen_recovers_slope_with_outliers_and_interval():
    rng = np.random.default_rng(3)
    x = np.arange(100.0)
    y = 5 - 0.2 * x + rng.normal(0, 0.5, 100)
    y[[3, 30, 60, 90]] += 40
    fit = theil_sen(x, y, confidence=0.95)
    assert fit.slope == pytest.approx(-0.2, abs=0.01)
    assert fit.slope_low < -0.2 < fit.slope_high
    assert fit.residual_sigma == pytest.approx(0.5, rel=0.3)
    assert fit.at(50) == pytest.approx(-5, abs=0.3)


@pytest.mark.parametrize("x", [[], [1.0], [2.0, 2.0, 2.0]])
def test_theil_sen_needs_two_distinct_x(x):
    assert theil_sen(np.array(x), np.ones(len(x))) is None


@pytest.mark.parametrize("n", [2, 3, 8, 45, 90])
def test_the_slope_alone_and_the_median_are_exactly_the_full_computations(n):
    rng = np.random.default_rng(n)
    for trial in range(40):
        x = np.sort(rng.uniform(0, 3000, n))
        if trial % 3 == 0:
            x = np.round(x / 500) * 500  # ties in x, some pairs with dx = 0
        y = np.floor(x * 0.01 + rng.normal(0, 0.7, n))  # integer steps, as pad wear is reported
        if trial % 5 == 0:
            y[rng.integers(0, n)] = np.nan
        fit = theil_sen(x, y)
        assert theil_sen_slope(x, y) == (None if fit is None else fit.slope)
        assert median(y[np.isfinite(y)]) == np.median(y[np.isfinite(y)])
    assert theil_sen_slope(np.array([2.0, 2.0]), np.array([1.0, 3.0])) is None
