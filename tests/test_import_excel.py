"""Repairing or rejecting what Excel does to phone numbers and dates before an import.

The CSV files and workbooks are written by the tests: phones that became numbers (with the
leading 0 or + lost, as floats, in scientific notation) and dates that became serial numbers,
in both of Excel's date systems.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from conftest import commit_count, run, snapshot, uncommitted
from pandai import yamlio
from pandai.importing.cells import DamagedValue, repair_phone, serial_date


def read(ws: Path, client_id: str) -> dict:
    path = ws / "clients" / f"{client_id}.yaml"
    return yamlio.parse(path.read_text(encoding="utf-8"), path)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join(";".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def save_workbook(path: Path, rows: list[list], epoch=None) -> Path:
    book = openpyxl.Workbook()
    if epoch is not None:
        book.epoch = epoch
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("value, repaired", [
    (6301234567, "06301234567"),
    (36301234567, "+36301234567"),
    (36301234567.0, "+36301234567"),
    ("36301234567.0", "+36301234567"),
    ("6301234567,0", "06301234567"),
    (612345678, "0612345678"),
    ("3.6301234567E+10", "+36301234567"),
])
def test_repair_phone(value, repaired):
    assert repair_phone(value, "HU") == (repaired, True)


@pytest.mark.parametrize("value", ["06301234567", "+36 30 123 4567", "06-30/123-4567"])
def test_repair_phone_leaves_text(value):
    assert repair_phone(value, "HU") == (value, False)


@pytest.mark.parametrize("value", ["3.63E+10", "3,63E+10", "6.3E+09"])
def test_repair_phone_scientific_lost(value):
    with pytest.raises(DamagedValue):
        repair_phone(value, "HU")


@pytest.mark.parametrize("value, date1904, expected", [
    (45992, False, date(2025, 12, 1)),
    ("45992", False, date(2025, 12, 1)),
    (45992.75, False, date(2025, 12, 1)),
    (45992, True, date(2029, 12, 2)),
    (59, False, date(1900, 2, 28)),
    (61, False, date(1900, 3, 1)),
    (1, False, date(1900, 1, 1)),
    (0, True, None),
    ("2026-12-01", False, None),
])
def test_serial_date(value, date1904, expected):
    assert serial_date(value, date1904) == expected


def test_serial_60_rejected():
    with pytest.raises(DamagedValue) as raised:
        serial_date(60)
    assert "1900-02-29" in str(raised.value)


def test_float_phone_repaired(workspace, tmp_path):
    source = write_csv(tmp_path / "lista.csv", [["Név", "Telefon"],
                                                 ["Kiss Anna", "36301234567.0"]])

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 0, result.stderr
    assert ("Repaired values: 1\n"
            "  row 2: phone 36301234567.0 looked damaged by a spreadsheet and was read as "
            "+36301234567\n") in result.stdout
    assert read(workspace, "kiss-anna")["phone"] == "+36301234567"
    assert uncommitted(workspace) == ""


def test_scientific_phone_invalid(workspace, tmp_path):
    source = write_csv(tmp_path / "lista.csv", [["Név", "E-mail", "Telefon"],
                                                 ["Kiss Anna", "anna@kiss.hu", "3.63E+10"]])
    before = snapshot(workspace)

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 4
    assert ("Invalid rows: 1\n"
            "  row 2: Phone '3.63E+10': 3.63E+10 is in scientific notation, so the spreadsheet "
            "kept only 3 of its 11 digits and the number cannot be repaired. Format the column "
            "as text in the spreadsheet, type the numbers again, and export the file once "
            "more.\n") in result.stdout
    assert snapshot(workspace) == before
    assert commit_count(workspace) == 2


def test_serial_in_text_column(workspace, tmp_path):
    source = write_csv(tmp_path / "lista.csv", [["Név", "E-mail", "Következő teendő"],
                                                 ["Kiss Anna", "anna@kiss.hu", "45992"]])

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 0, result.stderr
    assert ("  row 2: Next action 45992 was an Excel date serial number and was read as "
            "2025-12-01\n") in result.stdout
    assert read(workspace, "kiss-anna")["next_action"] == "2025-12-01"


def test_serial_60_invalid_row(workspace, tmp_path):
    source = write_csv(tmp_path / "lista.csv", [["Név", "E-mail", "Utolsó kapcsolat"],
                                                 ["Kiss Anna", "anna@kiss.hu", "60"]])

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 4
    assert ("  row 2: Last contact '60': 60 is the Excel date serial number of 1900-02-29, a "
            "day that does not exist (Excel counts 1900 as a leap year). Type the right date "
            "in the file.\n") in result.stdout


@pytest.mark.parametrize("epoch, expected", [(None, "2025-12-01"),
                                             (CALENDAR_MAC_1904, "2029-12-02")])
def test_workbook_number_in_date_column(workspace, tmp_path, epoch, expected):
    source = save_workbook(tmp_path / "lista.xlsx", [
        ["Név", "Telefon", "Következő teendő"], ["Kiss Anna", 36301234567.0, 45992]], epoch)

    result = run(workspace, "import", source, "--yes")
    client = read(workspace, "kiss-anna")

    assert result.exit_code == 0, result.stderr
    assert client["next_action"] == expected
    assert client["phone"] == "+36301234567"
    assert uncommitted(workspace) == ""


def test_yyyymmdd_date(workspace, tmp_path):
    source = write_csv(tmp_path / "lista.csv", [["Név", "E-mail", "Létrehozva"],
                                                 ["Kiss Anna", "anna@kiss.hu", "20260105"]])

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 0, result.stderr
    assert read(workspace, "kiss-anna")["created"] == "2026-01-05"


def test_infinite_value_invalid(workspace, tmp_path):
    source = tmp_path / "clients.json"
    source.write_text('[{"name": "Kiss Anna", "email": "anna@kiss.hu", "value": Infinity}]',
                      encoding="utf-8")

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 4
    assert "  row 1: Value 'inf': not a finite number\n" in result.stdout
