"""Tyre ground truth of the seasonal parts: fills before the day's driving, failures that end with warmer weather."""

from __future__ import annotations

import random
from datetime import date, timedelta

from simulators.climate import Weather
from simulators.lifecycle import build_lifecycle
from simulators.seasonal import SeasonalParts

FIRST = date(2025, 11, 1)


class NoCheck(random.Random):
    """The seasonal stream with no routine check on these days (a check draws random() < 1/42)."""

    def random(self) -> float:
        return 0.5


def parts(kpa_at_20c: float) -> SeasonalParts:
    plan = build_lifecycle(7, 1, FIRST, 60).plans[0]
    out = SeasonalParts(plan, seed=7, first=FIRST, days=60)
    out.rng, out.leak, out.base, out.kpa = NoCheck(1), None, [kpa_at_20c] * 4, [kpa_at_20c] * 4
    return out


def run(p: SeasonalParts, temps: list[float]) -> list:
    for i, t in enumerate(temps):
        p.step(FIRST + timedelta(days=i), Weather(t, t - 4, t + 4, 0.0), wiper=10.0, pads=[10.0] * 4)
    return [e for e in p.finish() if e[0].value == "tyre_pressure"]


def test_a_cold_spell_ends_a_week_after_the_tyre_is_back():
    # 220 kPa at 20 C: 5 days at 5 C read 202 kPa, then 20 C again
    (event,) = run(parts(220.0), [20.0] * 3 + [5.0] * 5 + [20.0] * 10)
    assert (
        event[1] == "cold" and event[3] == FIRST + timedelta(days=3) and event[4] == FIRST + timedelta(days=8)
    )


def test_a_mild_day_inside_the_winter_does_not_end_it():
    # back at 220 kPa for three days between two cold spells: one failure, not two
    events = run(parts(220.0), [5.0] * 4 + [20.0] * 3 + [5.0] * 4 + [20.0] * 10)
    assert [(e[3], e[4]) for e in events] == [(FIRST, FIRST + timedelta(days=11))]


class Check(random.Random):
    """The seasonal stream with a routine check every day."""

    def random(self) -> float:
        return 0.0


def test_a_tyre_filled_the_day_it_got_cold_never_failed():
    # the check fills it (202 kPa at 5 C -> 240 kPa) before the day's driving: the car never reports it low
    p = parts(220.0)
    p.rng = Check(1)
    assert run(p, [20.0] * 3 + [5.0] * 5) == []
