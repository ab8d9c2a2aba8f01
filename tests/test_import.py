"""Importing clients from CSV and XLSX files with Hungarian headers and values.

The fixture files are written by the tests. The real sample files, kept in a folder beside the
repository and never copied into it, are imported in place when they exist.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from conftest import (SAMPLES, apply_test_env, commit_all, commit_count, last_commit_message,
                      run, snapshot, uncommitted)
from pandai import yamlio
from pandai.i18n import activate

HEADER = ["Ügyfél neve", "Cégnév", "E-mail cím", "Telefonszám", "Státusz", "Felelős", "Érték",
          "Utolsó kapcsolat", "Következő teendő", "Megjegyzés"]
# Rows 2-8 of the fixture files. Row 5 repeats row 2's e-mail in upper case, row 6 has the
# phone of the workspace's existing client, and row 7 has neither e-mail nor phone.
ROWS = [
    ["Tóth Ákos", "Tóth és Társa Bt.", "akos@toth.hu", "06-20/689-7735", "Új lead", "Anna",
     "1 500 000 Ft", "2026. 11. 28.", "2026.12.01.", "Visszahívást kért."],
    ["Őri Űrsula", "Fő utca Kft.", "ursula@fo.hu", "+36 30 123 4567", "Ajánlat elküldve",
     "Béla", "2 500 000,00 Ft", "2026.11.20.", "2026-12-10", ""],
    ["Kőműves Ödön", "", "odon@komuves.hu", "", "", "", "150.000 Ft", "", "", ""],
    ["Tóth Ákos", "Tóth és Társa Bt.", "AKOS@TOTH.HU", "", "Új lead", "Anna", "", "", "", ""],
    ["Régi Ügyfél", "", "", "06 70 111 2233", "", "", "", "", "", ""],
    ["Hiányos Henrik", "Semmi Kft.", "", "", "Új lead", "", "", "", "", ""],
    ["Lakatos Lili", "", "lili@lakatos.hu", "", "Kapcsolatfelvétel alatt", "bela", "1,2M",
     "", "holnap", ""],
]
PREVIEW_COUNTS = ("New clients: 4\n"
                  "Updated clients: 0\n"
                  "Skipped as duplicates: 2\n"
                  "  row 5: same e-mail as row 2\n"
                  "  row 6: same phone as regi-ugyfel\n"
                  "Skipped as incomplete: 1\n"
                  "  row 7: no e-mail and no phone\n")


def read(ws: Path, client_id: str) -> dict:
    path = ws / "clients" / f"{client_id}.yaml"
    return yamlio.parse(path.read_text(encoding="utf-8"), path)


def client_ids(ws: Path) -> list[str]:
    return sorted(path.stem for path in (ws / "clients").glob("*.yaml"))


def write_csv(path: Path, rows: list[list[str]], delimiter: str, encoding: str,
              newline: str = "\n") -> Path:
    lines = []
    for row in rows:
        cells = [f'"{cell}"' if delimiter in cell else cell for cell in row]
        lines.append(delimiter.join(cells))
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


@pytest.fixture(scope="module")
def team_template(tmp_path_factory) -> Path:
    """A Hungarian workspace with the demo's team: anna, bela and csilla (alias Cili)."""
    ws = tmp_path_factory.mktemp("import") / "ws"
    with pytest.MonkeyPatch.context() as patch:
        apply_test_env(patch)
        assert run(None, "init", ws, "--lang", "hu").exit_code == 0
        for member, name in (("anna", "Nagy Anna"), ("bela", "Kovács Béla"),
                             ("csilla", "Szabó Csilla")):
            result = run(ws, "team", "add", member, "--name", name, "--email",
                         f"{member}@pelda.hu")
            assert result.exit_code == 0, result.stderr
        settings = ws / "pandai.yaml"
        settings.write_text(settings.read_text(encoding="utf-8").replace(
            "  email: csilla@pelda.hu\n", "  email: csilla@pelda.hu\n  aliases: [Cili]\n"),
            encoding="utf-8")
        commit_all(ws, "Add Cili as an alias of csilla")
        activate("en")
    return ws


@pytest.fixture
def team(team_template, tmp_path) -> Path:
    """A copy of the team workspace: five commits, no clients."""
    ws = tmp_path / "ws"
    shutil.copytree(team_template, ws, symlinks=True)
    return ws


@pytest.fixture
def existing(team) -> Path:
    """The team workspace with one client, regi-ugyfel (06 70 111 2233): six commits."""
    result = run(team, "add", "Régi Ügyfél", "--phone", "06701112233", "--owner", "bela")
    assert result.exit_code == 0, result.stderr
    return team


@pytest.fixture
def utf8_csv(tmp_path) -> Path:
    return write_csv(tmp_path / "ugyfelek.csv", [HEADER, *ROWS], ",", "utf-8")


@pytest.fixture
def cp1250_csv(tmp_path) -> Path:
    return write_csv(tmp_path / "ugyfelek-1250.csv", [HEADER, *ROWS], ";", "cp1250", "\r\n")


@pytest.fixture
def workbook(tmp_path) -> Path:
    """The same rows as an Excel workbook: dates in date cells, amounts as numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Ügyfelek"
    sheet.append(HEADER)
    sheet.append(["Tóth Ákos", "Tóth és Társa Bt.", "akos@toth.hu", "06-20/689-7735",
                  "Új lead", "Anna", 1500000, datetime(2026, 11, 28), datetime(2026, 12, 1),
                  "Visszahívást kért."])
    # Excel drops the leading zero of a phone typed as a number: 06301234567 becomes this.
    sheet.append(["Őri Űrsula", "Fő utca Kft.", "ursula@fo.hu", 6301234567, "Ajánlat elküldve",
                  "Béla", 2500000.0, datetime(2026, 11, 20), datetime(2026, 12, 10), None])
    sheet.append(["Kőműves Ödön", None, "odon@komuves.hu", None, None, None, "150.000 Ft",
                  None, None, None])
    path = tmp_path / "ugyfelek.xlsx"
    book.save(path)
    return path


def test_csv_preview(existing, utf8_csv):
    before = snapshot(existing)

    result = run(existing, "import", utf8_csv, "--dry-run")

    assert result.exit_code == 0
    assert result.stdout == (
        "Import of ugyfelek.csv: csv, header in row 1.\n"
        "Columns:\n"
        "  Ügyfél neve → name (Name)\n"
        "  Cégnév → company (Company)\n"
        "  E-mail cím → email (E-mail)\n"
        "  Telefonszám → phone (Phone)\n"
        "  Státusz → status (Status)\n"
        "  Felelős → owner (Owner)\n"
        "  Érték → value (Value)\n"
        "  Utolsó kapcsolat → last_contact (Last contact)\n"
        "  Következő teendő → next_action (Next action)\n"
        "  Megjegyzés → notes (Notes)\n"
        "\n" + PREVIEW_COUNTS +
        "Dry run: nothing was written.\n")
    assert snapshot(existing) == before
    assert commit_count(existing) == 6


def test_csv_import_values(existing, utf8_csv):
    result = run(existing, "import", utf8_csv, "--yes")
    toth, ursula, odon, lili = (read(existing, name) for name in (
        "toth-akos", "ori-ursula", "komuves-odon", "lakatos-lili"))

    assert result.exit_code == 0
    assert result.stdout.endswith(PREVIEW_COUNTS + "Imported 4 new and 0 updated clients.\n")
    assert client_ids(existing) == ["komuves-odon", "lakatos-lili", "ori-ursula",
                                    "regi-ugyfel", "toth-akos"]
    assert toth["phone"] == "+36206897735"
    assert toth["value"] == "1500000"
    assert toth["last_contact"] == "2026-11-28"
    assert toth["next_action"] == "2026-12-01"
    assert toth["owner"] == "anna"
    assert toth["status"] == "Új lead"
    assert toth["notes"][0]["text"] == "Visszahívást kért."
    assert ursula["value"] == "2500000"
    assert ursula["phone"] == "+36301234567"
    assert ursula["owner"] == "bela"
    assert ursula["last_contact"] == "2026-11-20"
    assert odon["value"] == "150000"
    assert odon["status"] == "Új lead"
    assert odon["created"] == "2026-12-04"
    assert "owner" not in odon
    assert lili["value"] == "1200000"
    assert lili["next_action"] == "2026-12-05"
    assert last_commit_message(existing) == ("pandai: import ugyfelek.csv: 4 created, "
                                             "0 updated")
    assert commit_count(existing) == 7
    assert uncommitted(existing) == ""


def test_cp1250_semicolon_same(existing, utf8_csv, cp1250_csv, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(existing, other, symlinks=True)

    first = run(existing, "import", utf8_csv, "--yes")
    second = run(other, "import", cp1250_csv, "--yes")

    assert first.exit_code == 0
    assert second.exit_code == 0
    assert "Import of ugyfelek-1250.csv: csv, header in row 1." in second.stdout
    assert second.stdout.endswith(PREVIEW_COUNTS + "Imported 4 new and 0 updated clients.\n")
    for client_id in client_ids(existing):
        mine, theirs = read(existing, client_id), read(other, client_id)
        for data in (mine, theirs):
            for note in data.get("notes", []):
                note.pop("at")
        assert theirs == mine, client_id
    assert commit_count(other) == 7
    assert uncommitted(other) == ""


def test_xlsx_date_cells(team, workbook):
    result = run(team, "import", workbook, "--yes")
    toth, ursula, odon = (read(team, name) for name in ("toth-akos", "ori-ursula",
                                                          "komuves-odon"))

    assert result.exit_code == 0
    assert result.stdout.startswith("Import of ugyfelek.xlsx: xlsx, header in row 1.\n")
    assert ("Repaired values: 1\n"
            "  row 3: phone 6301234567 looked damaged by a spreadsheet and was read as "
            "06301234567\n") in result.stdout
    assert toth["last_contact"] == "2026-11-28"
    assert toth["next_action"] == "2026-12-01"
    assert toth["value"] == "1500000"
    assert ursula["phone"] == "+36301234567"
    assert ursula["value"] == "2500000"
    assert ursula["next_action"] == "2026-12-10"
    assert odon["value"] == "150000"
    assert commit_count(team) == 6
    assert uncommitted(team) == ""


def test_no_terminal_no_yes(existing, utf8_csv):
    before = snapshot(existing)

    result = run(existing, "import", utf8_csv)

    assert result.exit_code == 7
    assert result.stderr == ("Error: Import 4 new and 0 updated clients? Nothing was changed: "
                             "there is no terminal to ask on. Add --yes to confirm.\n")
    assert snapshot(existing) == before
    assert commit_count(existing) == 6


def test_confirm_on_terminal(existing, utf8_csv, monkeypatch):
    monkeypatch.setattr("pandai.cli.common.is_terminal", lambda: True)

    # Enter accepts the column mapping, then the reply confirms or declines the import.
    declined = run(existing, "import", utf8_csv, input="\nn\n")
    accepted = run(existing, "import", utf8_csv, input="\ny\n")

    assert declined.exit_code == 0
    assert declined.stdout.endswith("Nothing was imported.\n")
    assert accepted.exit_code == 0
    assert accepted.stdout.endswith("Imported 4 new and 0 updated clients.\n")
    assert commit_count(existing) == 7
    assert uncommitted(existing) == ""


def test_reimport_all_duplicates(existing, utf8_csv):
    run(existing, "import", utf8_csv, "--yes")

    result = run(existing, "import", utf8_csv, "--yes")

    assert result.exit_code == 0
    assert ("New clients: 0\n"
            "Updated clients: 0\n"
            "Skipped as duplicates: 6\n"
            "  row 2: same e-mail as toth-akos\n"
            "  row 3: same e-mail as ori-ursula\n"
            "  row 4: same e-mail as komuves-odon\n"
            "  row 5: same e-mail as row 2\n"
            "  row 6: same phone as regi-ugyfel\n"
            "  row 8: same e-mail as lakatos-lili\n") in result.stdout
    assert result.stdout.endswith("Nothing to import.\n")
    assert commit_count(existing) == 7


def test_update_fills_empty_fields(existing, tmp_path):
    source = write_csv(tmp_path / "frissites.csv", [["Név", "Telefon", "E-mail", "Cég"], [
        "Régi Ügyfél", "06 70 111 2233", "regi@ugyfel.hu", "Régi Kft."]], ",", "utf-8")

    result = run(existing, "import", source, "--on-duplicate", "update", "--yes")
    data = read(existing, "regi-ugyfel")

    assert result.exit_code == 0
    assert result.stdout.endswith("Imported 0 new and 1 updated clients.\n")
    assert data["email"] == "regi@ugyfel.hu"
    assert data["company"] == "Régi Kft."
    assert data["owner"] == "bela"
    assert commit_count(existing) == 7
    assert uncommitted(existing) == ""


def test_map_override(team, tmp_path):
    source = write_csv(tmp_path / "partnerek.csv", [
        ["Partner", "Cég", "Cégnév", "E-mail"],
        ["Kiss Anna", "Régi Kft.", "Új Kft.", "anna.kiss@pelda.hu"],
        ["Nagy Béla", "Régi2 Kft.", "", "bela.nagy@pelda.hu"]], ",", "utf-8")

    result = run(team, "import", source, "--map", "Partner=név,Cégnév=company", "--yes")

    assert result.exit_code == 0
    assert ("Columns:\n"
            "  Partner → name (Name)\n"
            "  Cégnév → company (Company)\n"
            "  E-mail → email (E-mail)\n"
            "Columns not imported: Cég\n") in result.stdout
    assert read(team, "kiss-anna")["company"] == "Új Kft."
    assert "company" not in read(team, "nagy-bela")
    assert commit_count(team) == 6
    assert uncommitted(team) == ""


def test_map_ignores_column(team, tmp_path):
    source = write_csv(tmp_path / "lista.csv", [["Név", "E-mail", "Telefon"],
                                                 ["Kiss Anna", "anna.kiss@pelda.hu", "hibás"]],
                       ",", "utf-8")

    result = run(team, "import", source, "--map", "Telefon=", "--yes")

    assert result.exit_code == 0
    assert "Columns not imported: Telefon" in result.stdout
    assert "phone" not in read(team, "kiss-anna")


def test_invalid_value_blocks_all(existing, tmp_path):
    rows = [HEADER, *ROWS, ["Hibás Hugó", "", "hugo@", "", "", "", "", "", "", ""],
            ["Rossz Dátum", "", "datum@pelda.hu", "", "", "", "", "", "2026.02.30.", ""]]
    source = write_csv(tmp_path / "hibas.csv", rows, ",", "utf-8")
    before = snapshot(existing)

    result = run(existing, "import", source, "--yes")

    assert result.exit_code == 4
    assert ("Invalid rows: 2\n"
            "  row 9: E-mail 'hugo@': ") in result.stdout
    assert "  row 10: Next action '2026.02.30.': '2026.02.30.' is not a valid calendar date" \
        in result.stdout
    assert result.stderr.startswith(f"Error: {source}: 2 rows have invalid values; nothing was "
                                    "imported.")
    assert snapshot(existing) == before
    assert commit_count(existing) == 6
    assert uncommitted(existing) == ""


def test_unknown_owner_listed(team, tmp_path):
    source = write_csv(tmp_path / "felelos.csv", [["Név", "E-mail", "Felelős"],
                                                   ["Kiss Anna", "anna.kiss@pelda.hu", "Zoli"],
                                                   ["Kiss Béla", "bela.kiss@pelda.hu", "Zoli"]],
                       ",", "utf-8")

    result = run(team, "import", source, "--dry-run")

    # The dry run shows the preview, and its exit status reports that the import would fail.
    assert result.exit_code == 4
    assert ('Unknown owners: 1\n'
            '  "Zoli": rows 2, 3\n') in result.stdout


def test_unknown_owner_blocks(team, tmp_path):
    source = write_csv(tmp_path / "felelos.csv", [["Név", "E-mail", "Felelős"],
                                                   ["Kiss Anna", "anna.kiss@pelda.hu", "Zoli"]],
                       ",", "utf-8")
    before = snapshot(team)

    result = run(team, "import", source, "--yes")

    assert result.exit_code == 4
    assert result.stderr == (
        f'Error: {source}: unknown owners: "Zoli" (row 2). Map them to team members with '
        '--owner-map "Zoli=ID", or add them with \'pandai team add ID --name NAME\'.\n')
    assert snapshot(team) == before
    assert commit_count(team) == 5


def test_owner_map(team, tmp_path):
    source = write_csv(tmp_path / "felelos.csv", [["Név", "E-mail", "Felelős"],
                                                   ["Kiss Anna", "anna.kiss@pelda.hu", "Zoli"]],
                       ",", "utf-8")

    result = run(team, "import", source, "--owner-map", "zoli=Béla", "--yes")

    assert result.exit_code == 0, result.stderr
    assert read(team, "kiss-anna")["owner"] == "bela"
    assert commit_count(team) == 6
    assert uncommitted(team) == ""


@pytest.mark.parametrize("column, text, key, stored", [
    ("Érték", "1 500 000 Ft", "value", "1500000"),
    ("Érték", "2 500 000,00 Ft", "value", "2500000"),
    ("Érték", "2\u00a0500\u00a0000,00 Ft", "value", "2500000"),
    ("Érték", "150.000 Ft", "value", "150000"),
    ("Érték", "1.500.000", "value", "1500000"),
    ("Érték", "1,5M", "value", "1500000"),
    ("Érték", "450 000", "value", "450000"),
    ("Következő teendő", "2026. 11. 28.", "next_action", "2026-11-28"),
    ("Következő teendő", "2026.12.01.", "next_action", "2026-12-01"),
    ("Következő teendő", "2026.12.01", "next_action", "2026-12-01"),
    ("Következő teendő", "2026-12-01", "next_action", "2026-12-01"),
    ("Következő teendő", "2026. december 1.", "next_action", "2026-12-01"),
    ("Telefon", "06-20/689-7735", "phone", "+36206897735"),
    ("Telefon", "+36 70 457 2366", "phone", "+36704572366"),
    ("Telefon", "(20) 6205935", "phone", "+36206205935"),
    ("Telefon", "06-1/821-6128", "phone", "+3618216128"),
    ("E-mail", "IRISZ.OLAH@NAPFENY.HU", "email", "irisz.olah@napfeny.hu"),
])
def test_hungarian_values(team, tmp_path, column, text, key, stored):
    header = ["Név", column] if column in ("Telefon", "E-mail") else ["Név", "E-mail", column]
    row = ["Kiss Anna", text] if column in ("Telefon", "E-mail") else \
        ["Kiss Anna", "anna.kiss@pelda.hu", text]
    source = write_csv(tmp_path / "ertekek.csv", [header, row], ";", "utf-8")

    result = run(team, "import", source, "--yes")

    assert result.exit_code == 0, result.stdout
    assert read(team, "kiss-anna")[key] == stored
    assert uncommitted(team) == ""


# The real sample files


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip("../shared/samples is absent")
    return path


SAMPLE_CSV = "ugyfelek-excel-cp1250.csv"
SAMPLE_XLSX = "ugyfelek.xlsx"


@pytest.mark.parametrize("name, rows", [
    # Both count rows as a spreadsheet shows them, so the same records have the same numbers.
    (SAMPLE_CSV, (42, 43, 44, 45, 5, 7, 9)),
    (SAMPLE_XLSX, (42, 43, 44, 45, 5, 7, 9)),
])
def test_sample_preview(team, name, rows):
    olah, kovacs, henrik, papp, first_olah, first_kovacs, first_papp = rows

    result = run(team, "import", sample(name), "--dry-run")

    assert result.exit_code == 0
    assert ("New clients: 40\n"
            "Updated clients: 0\n"
            "Skipped as duplicates: 3\n"
            f"  row {olah}: same e-mail as row {first_olah}\n"
            f"  row {kovacs}: same e-mail as row {first_kovacs}\n"
            f"  row {papp}: same phone as row {first_papp}\n"
            "Skipped as incomplete: 1\n"
            f"  row {henrik}: no e-mail and no phone\n"
            "Dry run: nothing was written.\n") in result.stdout
    assert "Invalid rows" not in result.stdout
    assert commit_count(team) == 5


@pytest.mark.parametrize("name", [SAMPLE_CSV, SAMPLE_XLSX])
def test_sample_import(team, name):
    result = run(team, "import", sample(name), "--yes")
    kovary, nemeth, olah, papp = (read(team, client_id) for client_id in (
        "kovary-gabor", "nemeth-krisztina", "olah-irisz", "papp-levente"))

    assert result.exit_code == 0
    assert result.stdout.endswith("Imported 40 new and 0 updated clients.\n")
    assert len(client_ids(team)) == 40
    assert kovary["phone"] == "+36704572366"
    assert kovary["value"] == "450000"
    assert kovary["status"] == "Elvesztett"
    assert kovary["owner"] == "anna"
    assert kovary["last_contact"] == "2026-07-22"
    assert kovary["next_action"] == "2026-12-12"
    assert kovary["notes"][0]["text"] == 'Ár "túl magas" szerinte'
    assert nemeth["value"] == "2500000"
    assert nemeth["last_contact"] == "2026-11-28"
    assert nemeth["next_action"] == "2026-12-01"
    assert nemeth["status"] == "Inaktív"
    assert olah["email"] == "irisz.olah3@napfeny.hu"
    assert olah["phone"] == "+36206897735"
    assert olah["value"] == "150000"
    assert olah["owner"] == "bela"
    assert papp["owner"] == "csilla"
    assert papp["phone"] == "+36206205935"
    assert "email" not in papp
    assert "hianyos-henrik" not in client_ids(team)
    assert read(team, "nemeth-ursula")["notes"][0]["text"] == (
        "Visszahívást kért jövő hétre;\nelőtte küldjük az árlistát.")
    assert last_commit_message(team) == f"pandai: import {name}: 40 created, 0 updated"
    assert commit_count(team) == 6
    assert uncommitted(team) == ""


def test_samples_agree(team, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(team, other, symlinks=True)

    run(team, "import", sample(SAMPLE_CSV), "--yes")
    run(other, "import", sample(SAMPLE_XLSX), "--yes")

    assert client_ids(team) == client_ids(other)
    for client_id in client_ids(team):
        from_csv, from_xlsx = read(team, client_id), read(other, client_id)
        for data in (from_csv, from_xlsx):
            for note in data.get("notes", []):
                note.pop("at")
        assert from_xlsx == from_csv, client_id


def test_sample_reimport_skips(team):
    run(team, "import", sample(SAMPLE_CSV), "--yes")

    result = run(team, "import", sample(SAMPLE_XLSX), "--yes")

    assert result.exit_code == 0
    assert "New clients: 0\n" in result.stdout
    assert "Skipped as duplicates: 43\n" in result.stdout
    assert "  row 2: same e-mail as kovary-gabor\n" in result.stdout
    assert result.stdout.endswith("Nothing to import.\n")
    assert commit_count(team) == 6
