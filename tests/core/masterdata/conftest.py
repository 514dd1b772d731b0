"""Fixtures of the master-data import tests: files written to a temp dir and imported into the test's database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import structlog

from core.masterdata.engine import ImportOptions, ImportSource, import_file
from core.masterdata.readers import FileFormat
from core.masterdata.report import ImportReport
from core.settings import MasterdataSettings
from domain.masterdata import ENTITIES, EntityName
from domain.vin import vin_check_digit

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

CENTERS_CSV = """\
code,name,address,city,region,lat_deg,lon_deg,tz,mon,tue,wed,thu,fri,sat,sun,bays,hourly_rate,brands,active
HRB01,Harbin Daoli 4S,1 Zhongshan Rd,Harbin,harbin,45.75,126.65,Asia/Harbin,08:30-18:00,08:30-18:00,08:30-18:00,08:30-18:00,08:30-18:00,09:00-17:00,closed,6,380.00,Volkswagen;Audi,true
SHA01,Shanghai Pudong 4S,,Shanghai,shanghai,31.22,121.54,Asia/Shanghai,08:30-18:00,08:30-18:00,08:30-18:00,08:30-18:00,08:30-18:00,,,4,,Volkswagen,true
"""
ADVISORS_CSV = """\
employee_no,center_code,name,email,phone
A-100,HRB01,Wang Fang,wang.fang@example.cn,+86 451 1234 5678
"""
TECHNICIANS_CSV = """\
employee_no,center_code,name,skills,shifts,absences
T-1,HRB01,Li Lei,general;electrical,mon 08:00-12:00; mon 13:00-17:00; tue 08:00-17:00,2026-12-10T08:00+08:00/2026-12-12T18:00+08:00 training
T-2,SHA01,Li Lei,general;high_voltage,,
"""
PARTS_CSV = """\
sku,name,price
BAT-12V-AGM70,12V AGM battery 70 Ah,899.00
BRK-PAD-FRONT,Front brake pad set,420.50
"""
STOCK_CSV = """\
center_code,sku,on_hand,restock_days,restock_date
HRB01,BAT-12V-AGM70,4,3,
SHA01,BRK-PAD-FRONT,0,5,2026-12-09
"""
CALENDAR_CSV = """\
center_code,date,until,kind,note
HRB01,2026-12-24,2026-12-26,closed,stock-taking
HRB01,2027-02-07,,workday,make-up workday
"""


def vin(n: int) -> str:
    """Return a valid VIN (check digit included) unique for `n`."""
    draft = f"LSVAU2180N{n:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def customers_csv(n: int = 2) -> str:
    rows = ["ref,name,locale,tz,segment,email,phone,app,consent_in_app,consent_email,preferred_center_code,"
            "advisor_employee_no"]  # fmt: skip
    for i in range(n):
        rows.append(f"C{i},Owner {i},zh-CN,Asia/Shanghai,family,o{i}@example.cn,,true,true,false,HRB01,A-100")
    return "\n".join(rows) + "\n"


def vehicles_csv(n: int = 2, *, owner: Callable[[int], str] = lambda i: f"C{i}") -> str:
    rows = [
        "vin,brand,model,model_year,powertrain,registered_on,odometer_at_registration_km,owner_ref,region"
    ]
    for i in range(n):
        rows.append(f"{vin(i)},Volkswagen,Lavida,2021,ICE,2021-05-01,12,{owner(i)},")
    return "\n".join(rows) + "\n"


def jsonl(rows: list[dict[str, Any]]) -> str:
    """Return rows as JSON Lines."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


Importer = Callable[..., ImportReport]


@pytest.fixture
def run_import(conn: psycopg.Connection, tmp_path: Path) -> Importer:
    """Return a function that writes `text` to a file and imports it as `entity`; returns the report."""

    def run(
        entity: str,
        text: str,
        *,
        fmt: str = "csv",
        dry_run: bool = False,
        skip_bad: bool = False,
        settings: MasterdataSettings | None = None,
        now: datetime = NOW,
    ) -> ImportReport:
        path = tmp_path / f"{entity}.{fmt}"
        path.write_text(text, "utf-8")
        with path.open("rb") as stream:
            source = ImportSource(path.name, stream, path.stat().st_size, FileFormat(fmt))
            return import_file(
                conn,
                entity=ENTITIES[EntityName(entity)],
                source=source,
                options=ImportOptions(dry_run=dry_run, skip_bad=skip_bad),
                settings=settings or MasterdataSettings(batch_rows=2),
                now=now,
                log=structlog.get_logger("test"),
            )

    return run


@pytest.fixture
def network(run_import: Importer) -> None:
    """Import the small network: two centers, an advisor, two technicians, parts and stock."""
    for entity, text in (("centers", CENTERS_CSV), ("advisors", ADVISORS_CSV), ("technicians", TECHNICIANS_CSV),
                         ("parts", PARTS_CSV), ("stock", STOCK_CSV)):  # fmt: skip
        report = run_import(entity, text)
        assert report.written and not report.errors, report
