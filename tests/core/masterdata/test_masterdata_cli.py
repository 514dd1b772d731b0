"""`carecast import`: exit status 0 written, 1 bad rows (nothing written), 2 usage; the report on stdout, the bad
rows on stderr, ``--json`` for scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main as carecast
from core.import_main import main
from core.settings import ImportSettings, LogSettings
from tests.core.masterdata.conftest import CENTERS_CSV


@pytest.fixture
def settings(database) -> ImportSettings:
    return ImportSettings(database=database, log=LogSettings(level="WARNING"))


def test_import_writes_and_prints_the_counts(settings, conn, tmp_path: Path, capsys):
    path = tmp_path / "centers.csv"
    path.write_text(CENTERS_CSV)
    assert main(["centers", str(path)], settings=settings) == 0
    out = capsys.readouterr().out
    assert "2 rows, 2 created, 0 updated, 0 unchanged (written)" in out and "created: HRB01, SHA01" in out
    assert main(["centers", str(path), "--json"], settings=settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["unchanged"], report["written"]) == (2, True)
    assert conn.execute("SELECT count(*) FROM service_center").fetchone() == (2,)


def test_a_bad_row_exits_1_and_names_file_line_and_field(settings, conn, tmp_path: Path, capsys):
    path = tmp_path / "centers.csv"
    path.write_text(CENTERS_CSV.replace("Asia/Shanghai", "Mars/Olympus"))
    assert main(["centers", str(path)], settings=settings) == 1
    err = capsys.readouterr().err
    assert f"{path}:3: tz: unknown time zone 'Mars/Olympus'" in err
    assert "nothing written" in err and "--skip-bad" in err
    assert conn.execute("SELECT count(*) FROM service_center").fetchone() == (0,)
    assert main(["centers", str(path), "--dry-run"], settings=settings) == 1
    assert main(["centers", str(path), "--skip-bad"], settings=settings) == 0
    assert conn.execute("SELECT code FROM service_center").fetchall() == [("HRB01",)]


def test_usage_errors_exit_2(settings, tmp_path: Path, capsys):
    path = tmp_path / "centers.txt"
    path.write_text(CENTERS_CSV)
    assert main(["centers", str(path)], settings=settings) == 2
    assert "pass --format csv or jsonl" in capsys.readouterr().err
    assert main(["centers", str(path), "--format", "csv", "--dry-run"], settings=settings) == 0
    with pytest.raises(SystemExit) as exited:
        main(["planets", str(path)], settings=settings)
    assert exited.value.code == 2


def test_the_command_is_listed_under_operate(capsys):
    assert carecast(["--help"]) == 0
    assert "import" in capsys.readouterr().out
