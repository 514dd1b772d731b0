"""The licence plate comes in with the vehicles (optional, upper-cased), changes on re-import, and the simulator
seeds one per car."""

from __future__ import annotations

from simulators.seed import plate_for
from tests.core.masterdata.conftest import customers_csv, jsonl, vin


def test_vehicles_import_their_plate_upper_cased_and_update_it(conn, run_import, network):
    run_import("customers", customers_csv(2))
    rows = [
        {"vin": vin(0), "brand": "VW", "model": "Lavida", "model_year": 2021, "powertrain": "ICE",
         "owner_ref": "C0", "plate": " 黑a12345 "},
        {"vin": vin(1), "brand": "VW", "model": "Lavida", "model_year": 2021, "powertrain": "ICE", "owner_ref": "C1"},
    ]  # fmt: skip
    report = run_import("vehicles", jsonl(rows), fmt="jsonl")
    assert report.written and not report.errors, report
    plates = dict(conn.execute("SELECT vin, plate FROM vehicle").fetchall())
    assert plates == {vin(0): "黑A12345", vin(1): None}
    rows[0]["plate"] = "黑A54321"
    again = run_import("vehicles", jsonl(rows), fmt="jsonl")
    assert (again.updated, again.unchanged) == (1, 1)
    assert conn.execute("SELECT plate FROM vehicle WHERE vin = %s", (vin(0),)).fetchone()[0] == "黑A54321"
    bad = run_import("vehicles", jsonl([{**rows[0], "plate": "x" * 17}]), fmt="jsonl")
    assert bad.errors and bad.errors[0].field == "plate"


def test_seeded_plates_carry_the_regions_prefix():
    assert plate_for("LSVAU2180N0000123", "harbin") == "黑A00123"
    assert plate_for("LSVAU2180N0000123", "shanghai").startswith("沪A")
