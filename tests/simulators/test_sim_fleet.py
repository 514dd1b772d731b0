"""Fleet builder: determinism, VINs, centers, technicians, stock and customers."""

from __future__ import annotations

from collections import Counter

from domain.vin import is_valid_vin, vin_check_digit
from domain.vocabulary import LOCALES, Powertrain
from simulators.climate import REGIONS
from simulators.fleet import MODELS, PARTS, build_fleet, powertrain_plan

REQUIRED_SKUS = {"BAT-12V-AGM70", "HV-DIAG-SVC", "BRK-PAD-FRONT", "COOLANT-AF-4L", "WASHER-WINTER-2L"}


def test_same_seed_same_fleet_other_seed_other_fleet() -> None:
    assert build_fleet(7, 120, 0.35) == build_fleet(7, 120, 0.35)
    assert build_fleet(7, 120, 0.35).vehicles != build_fleet(8, 120, 0.35).vehicles


def test_vins_are_valid_unique_and_chinese() -> None:
    fleet = build_fleet(11, 500, 0.4)
    vins = [v.vin for v in fleet.vehicles]
    assert len(set(vins)) == 500
    wmis = {m.wmi for m in MODELS}
    for vin in vins:
        assert is_valid_vin(vin)
        assert vin[8] == vin_check_digit(vin)
        assert vin[:3] in wmis
        assert vin[0] == "L"  # China


def test_powertrain_plan_follows_share_and_minimums() -> None:
    plan = powertrain_plan(1, 200, 0.35)
    assert Counter(plan)[Powertrain.EV] == 70
    assert Counter(powertrain_plan(1, 10, 0.0, min_ev=1))[Powertrain.EV] == 1
    assert Counter(powertrain_plan(1, 10, 1.0, min_engine=3))[Powertrain.EV] == 7
    fleet = build_fleet(1, 200, 0.35)
    for v in fleet.vehicles:
        assert next(m for m in MODELS if m.name == v.model).powertrain is v.powertrain


def test_centers_technicians_and_stock_cover_every_region_and_rule() -> None:
    fleet = build_fleet(5, 200, 0.35)
    per_region = Counter(c.region for c in fleet.centers)
    assert set(per_region) == set(REGIONS) and min(per_region.values()) >= 2
    assert len({c.code for c in fleet.centers}) == len(fleet.centers)
    for center in fleet.centers:
        region = REGIONS[center.region]
        assert abs(center.lat_deg - region.lat_deg) < 0.3 and abs(center.lon_deg - region.lon_deg) < 0.3
        assert center.tz == region.tz and center.opening_hours["mon"] and center.brands
        skills = {s for t in fleet.technicians if t.center_code == center.code for s in t.skills}
        assert {"electrical", "brakes", "general"} <= skills
    for region in REGIONS:
        codes = {c.code for c in fleet.centers if c.region == region}
        assert any("high_voltage" in t.skills for t in fleet.technicians if t.center_code in codes)
    assert REQUIRED_SKUS <= set(fleet.parts) == set(PARTS)
    assert {(s.center_code, s.sku) for s in fleet.stock} == {
        (c.code, p) for c in fleet.centers for p in PARTS
    }
    assert any(s.on_hand == 0 for s in fleet.stock)
    assert all(s.restock_days >= 1 for s in fleet.stock)


def test_customers_live_in_their_vehicles_region() -> None:
    fleet = build_fleet(9, 300, 0.35)
    customers = {c.crm_id: c for c in fleet.customers}
    center_region = {c.code: c.region for c in fleet.centers}
    assert len(customers) == len(fleet.vehicles)
    for v in fleet.vehicles:
        c = customers[v.crm_id]
        assert center_region[c.preferred_center_code] == v.region
        assert c.tz == REGIONS[v.region].tz
        assert c.channels["crm_id"] == c.crm_id and "@" in str(c.channels["email"])
    locales = Counter(c.locale for c in fleet.customers)
    assert set(locales) == set(LOCALES) and locales["zh-CN"] > 3 * locales["en"]
    assert len({c.segment for c in fleet.customers}) == 4


def test_regions_can_be_imposed() -> None:
    fleet = build_fleet(2, 6, 0.5, regions=["urumqi"] * 6)
    assert {v.region for v in fleet.vehicles} == {"urumqi"}
