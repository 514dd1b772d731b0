"""Scenario: every fault kind present even in a small fleet, expectations derived from the climate model."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import orjson
import pytest

from domain.vocabulary import Powertrain, RiskKind
from simulators.climate import REGIONS
from simulators.onsets import WINTER_MEAN_C
from simulators.scenario import (
    EXPECTS,
    MARGIN_C,
    FaultKind,
    build_scenario,
    expected_json,
    local_date,
)

END = datetime(2025, 11, 27, 10, 30, tzinfo=UTC)


def test_small_fleet_has_one_of_each_fault() -> None:
    sc = build_scenario(7, 12, END, days=30)
    kinds = Counter(f.kind for f in sc.faults)
    assert kinds == {k: 1 for k in FaultKind}
    assert len({f.vin for f in sc.faults}) == len(sc.faults)
    by_vin = sc.fleet.by_vin
    for f in sc.faults:
        powertrain = by_vin[f.vin].powertrain
        if f.kind is FaultKind.EV_FAST_FADE:
            assert powertrain is Powertrain.EV
        if f.kind in (FaultKind.WEAK_12V, FaultKind.DRAIN_12V, FaultKind.WINTER_ONSET):
            assert powertrain is not Powertrain.EV
        if f.kind is FaultKind.WINTER_ONSET:
            assert by_vin[f.vin].region in ("harbin", "urumqi")
        assert EXPECTS[f.kind] in sc.expected[f.vin]
    faulted = {f.vin for f in sc.faults}
    assert all(not kinds for vin, kinds in sc.expected.items() if vin not in faulted)


def test_large_fleet_scales_faults_and_keeps_most_vehicles_healthy() -> None:
    sc = build_scenario(7, 200, END)
    assert Counter(f.kind for f in sc.faults) == {k: 4 for k in FaultKind}
    assert sum(1 for kinds in sc.expected.values() if not kinds) == 200 - 4 * len(FaultKind)


@pytest.mark.parametrize("month", range(1, 13))
def test_regions_are_chosen_from_the_climate_at_end(month: int) -> None:
    end = datetime(2025, month, 15, 6, tzinfo=UTC)
    sc = build_scenario(11, 40, end, days=20)
    winter = {f.vin for f in sc.faults if f.kind is FaultKind.WINTER_ONSET}
    for v in sc.fleet.vehicles:
        last = local_date(end, v.region)
        mean7 = sc.climate.mean_c(v.region, last, 7)
        if v.vin in winter:
            assert (
                mean7 <= WINTER_MEAN_C - MARGIN_C
                and sc.climate.mean_c(v.region, last, 10) <= WINTER_MEAN_C - MARGIN_C
            )
            assert RiskKind.WINTER_PREP in sc.expected[v.vin]
        else:
            assert mean7 >= WINTER_MEAN_C + MARGIN_C
            assert RiskKind.WINTER_PREP not in sc.expected[v.vin]
        assert v.region in REGIONS


def test_cold_snap_only_when_the_season_is_warm() -> None:
    assert build_scenario(7, 12, datetime(2025, 1, 20, tzinfo=UTC)).climate.cold_snaps == ()
    snaps = build_scenario(7, 12, datetime(2025, 7, 20, tzinfo=UTC)).climate.cold_snaps
    assert len(snaps) == 1 and snaps[0].region in ("harbin", "urumqi") and snaps[0].drop_c > 15


def test_expected_json_round_trips() -> None:
    sc = build_scenario(7, 12, END, days=30)
    data = orjson.loads(orjson.dumps(expected_json(sc)))
    assert {vin: set(kinds) for vin, kinds in data["expected"].items()} == sc.expected
    assert len(data["faults"]) == len(FaultKind) and data["end"] == END.isoformat()


def test_rejects_naive_end_and_tiny_inputs() -> None:
    with pytest.raises(ValueError):
        build_scenario(7, 12, datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        build_scenario(7, 4, END)
    with pytest.raises(ValueError):
        build_scenario(7, 12, END, days=6)
