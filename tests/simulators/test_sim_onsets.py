"""The ground truth's season onsets (simulators/onsets.py): a full week past the threshold begins a season once;
only a week back past the re-arm level lets the next one begin."""

from __future__ import annotations

from simulators.onsets import Onsets


def _days(kind: str, means: list[float]) -> list[int]:
    onsets = Onsets(kind)
    return [i for i, m in enumerate(means) if onsets.step(m)]


def test_winter_begins_on_the_seventh_cold_day_and_rearms_only_above_eleven():
    assert _days("winter", [5.0] * 10) == [6]  # a week is needed
    mild_spell = [5.0] * 7 + [10.0] * 7 + [5.0] * 7  # back to 10 °C: not re-armed
    assert _days("winter", mild_spell) == [6]
    warm_spell = [5.0] * 7 + [15.0] * 7 + [5.0] * 7
    assert _days("winter", warm_spell) == [6, 19]


def test_summer_begins_at_26_and_rearms_below_22():
    assert _days("summer", [25.9] * 7 + [27.0] * 7) == [7]  # one warm day lifts the week to 26.06
    assert _days("summer", [27.0] * 7 + [23.0] * 7 + [27.0] * 7) == [6]
    assert _days("summer", [27.0] * 7 + [20.0] * 7 + [27.0] * 7) == [6, 19]
