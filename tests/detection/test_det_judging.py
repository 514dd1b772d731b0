"""Rules judged in forked processes: exactly the single-process result, failures confined, dead children covered."""

from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
import pytest

from detection import judging
from detection.rules import RULES, brakes
from domain.vocabulary import RiskKind


def _mixed_fleet(daily, concat, now, cars: int = 24):
    """Return a rollup frame of `cars` vehicles with assorted health: pads at several wear rates, weak and healthy
    12 V batteries, leaking and steady brake fluid, fading EV packs, cold and mild weather (rows shuffled)."""
    rng = np.random.default_rng(7)
    parts = []
    for vid in range(1, cars + 1):
        i = np.arange(int(rng.integers(20, 60)), dtype="float64")
        ev, temp = vid % 5 == 0, rng.uniform(-15, 25)
        parts.append(daily(
            vid, days=len(i), powertrain="EV" if ev else "ICE",
            pad_wear_max=np.floor(rng.uniform(20, 70) + rng.uniform(0.02, 0.6) * i),
            odometer_max_m=10_000_000 + rng.uniform(10, 90) * 1000 * i,
            brake_fluid_min=95.0 - rng.choice([0.0, 0.0, 1.2]) * np.maximum(0, i - 25),
            lv_v_min=np.nan if ev else rng.uniform(9.0, 10.6) - 0.01 * i, air_temp_min=temp - 4, air_temp_avg=temp,
            lv_v_rest_avg=rng.uniform(12.0, 12.7) - 0.003 * i,
            hv_soh_avg=rng.uniform(76, 90) - 0.02 * i if ev else np.nan,
            tire_kpa_min=rng.uniform(200, 245) - 0.1 * i,
        ))  # fmt: skip
    return concat(*parts).sample(frac=1.0, random_state=1)


def _same(a, b) -> bool:
    return all(
        x.flags == y.flags and x.evaluated_vehicle_ids == y.evaluated_vehicle_ids
        for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("workers", [2, 3])
def test_forked_workers_give_exactly_the_single_process_result(daily, concat, now, workers):
    frame = _mixed_fleet(daily, concat, now)
    alone, used_alone = judging.judge(frame, now=now, rules=RULES, workers=1)
    split, used = judging.judge(frame, now=now, rules=RULES, workers=workers, min_vehicles_per_worker=1)
    assert (used_alone, used) == (1, workers)
    assert all(not isinstance(o, str) for o in alone)
    assert sum(len(o.flags) for o in alone) > 0
    assert _same(alone, split)


def test_small_fleets_are_judged_in_process(daily, concat, now):
    frame = _mixed_fleet(daily, concat, now, cars=6)
    _, used = judging.judge(frame, now=now, rules=RULES, workers=2, min_vehicles_per_worker=4)
    assert used == 1


def test_a_rule_failing_in_a_child_fails_that_rule_only(daily, concat, now):
    frame = _mixed_fleet(daily, concat, now)
    last = int(frame["vehicle_id"].max())  # in the last block: judged by a child

    def picky(frame, *, now, params):
        if last in set(frame["vehicle_id"]):
            raise RuntimeError("boom in a worker")
        return brakes.evaluate(frame, now=now, params=params)

    broken = SimpleNamespace(RULE_ID="picky", RULE_VERSION=1, KIND=RiskKind.BRAKE_PADS, evaluate=picky)
    outcomes, used = judging.judge(
        frame, now=now, rules=((broken, brakes.Params()), *RULES), workers=2, min_vehicles_per_worker=1
    )
    assert used == 2 and isinstance(outcomes[0], str) and "boom in a worker" in outcomes[0]
    alone, _ = judging.judge(frame, now=now, rules=RULES, workers=1)
    assert _same(alone, outcomes[1:])


def test_a_child_that_dies_has_its_vehicles_judged_in_the_parent(daily, concat, now):
    frame = _mixed_fleet(daily, concat, now)
    parent = os.getpid()

    def fatal_in_child(frame, *, now, params):
        if os.getpid() != parent:
            os._exit(3)  # as if killed (OOM): no result, no traceback
        return brakes.evaluate(frame, now=now, params=params)

    dying = SimpleNamespace(
        RULE_ID="brake_pad_wear", RULE_VERSION=2, KIND=RiskKind.BRAKE_PADS, evaluate=fatal_in_child
    )
    (got,), used = judging.judge(
        frame, now=now, rules=((dying, brakes.Params()),), workers=2, min_vehicles_per_worker=1
    )
    want = brakes.evaluate(frame, now=now, params=brakes.Params())
    assert used == 2 and _same([want], [got])
