"""Tests of ``pandai export``: CSV, Excel CSV, XLSX, JSON, vCard and iCalendar, read back.

Most tests export from one workspace built once for the module, which they only read; each
export goes to the test's own folder. Round trips import into the test's own empty workspace.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

import pytest

from conftest import BASE_ENV, REMOVED_ENV, commit_all, commit_count, run, snapshot, uncommitted
from pandai.export_formats import escape_text, fold_line

LONG_NOTE = ("Ajánlatot kér jövő hétre, árlistával; ÁRVÍZTŰRŐ TÜKÖRFÚRÓGÉP és őszi kampány "
             "\\ második gondolat\nmásodik sor")
CUSTOM_FIELD = "fields:\n- {name: tax_number, type: text, label: {en: Tax number, hu: Adószám}}\n"
CSV_HEADER = ["id", "name", "company", "email", "phone", "status", "owner", "source", "value",
              "last_contact", "next_action", "created", "tags", "tax_number", "last_note"]
# Fields whose values a CSV or XLSX round trip carries; the importer maps no custom fields.
ROUND_TRIP_FIELDS = ["name", "company", "email", "phone", "status", "owner", "source", "value",
                     "last_contact", "next_action", "created", "tags"]


def _build_source(target: Path) -> None:
    steps = [
        ["init", target, "--lang", "en"],
        ["team", "add", "anna", "--name", "Nagy Anna", "--email", "anna@pelda.hu"],
    ]
    for step in steps:
        result = run(None if step[0] == "init" else target, *step)
        assert result.exit_code == 0, result.output
    with (target / "pandai.yaml").open("a", encoding="utf-8") as stream:
        stream.write(CUSTOM_FIELD)
    commit_all(target, "Add a custom field")
    steps = [
        ["add", "Kiss Péter", "--company", "Példa Kft.", "--email", "peter.kiss@pelda.hu",
         "--phone", "06301234567", "--value", "1 500 000", "--next", "2026-12-05", "--tag",
         "vip", "--source", "Website", "--note", "Első hívás"],
        ["note", "kiss-peter", LONG_NOTE],
        ["edit", "kiss-peter", "tax_number=12345678-2-42", "last_contact=2026-11-20"],
        ["add", "Veszélyes Vera", "--company", "=1+2", "--email", "vera@pelda.hu", "--phone",
         "06 1 234 5678", "--next", "2026-12-10", "--tag", "+tag", "--note", "@SUM(A1)"],
        ["add", "Nagy Éva", "--email", "eva@pelda.hu", "--tag", "a,b"],
    ]
    for step in steps:
        result = run(target, *step)
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A workspace with three clients and a custom field; tests must not change it."""
    target = tmp_path_factory.mktemp("export") / "source"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in BASE_ENV.items():
            patch.setenv(name, value)
        for name in REMOVED_ENV:
            patch.delenv(name, raising=False)
        _build_source(target)
    yield target


def export(ws: Path, *args: object, lang: str = "en"):
    result = run(ws, "export", *args, lang=lang)
    assert result.exit_code == 0, result.output
    return result


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def unfolded(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def assert_rejected(result, text: str, status: int = 4) -> None:
    assert result.exit_code == status, result.output
    assert text in result.output
    assert "Traceback" not in result.output


# CSV

def test_csv_header(source: Path) -> None:
    lines = export(source, "--format", "csv").output.splitlines()
    assert lines[0].split(",") == CSV_HEADER


def test_csv_values(source: Path) -> None:
    rows = {row["id"]: row for row in rows_of(export(source, "-f", "csv").output)}
    peter = rows["kiss-peter"]
    assert peter["value"] == "1500000"
    assert peter["next_action"] == "2026-12-05"
    assert peter["last_contact"] == "2026-11-20"
    assert peter["tags"] == "vip"
    assert peter["tax_number"] == "12345678-2-42"
    assert peter["last_note"] == LONG_NOTE


def test_csv_phone_neutralized(source: Path) -> None:
    rows = {row["id"]: row for row in rows_of(export(source, "-f", "csv").output)}
    assert rows["kiss-peter"]["phone"] == "'+36301234567"


def test_csv_formula_injection(source: Path) -> None:
    rows = {row["id"]: row for row in rows_of(export(source, "-f", "csv").output)}
    vera = rows["veszelyes-vera"]
    assert vera["company"] == "'=1+2"
    assert vera["last_note"] == "'@SUM(A1)"
    assert vera["tags"] == "'+tag"
    assert vera["name"] == "Veszélyes Vera"


def test_csv_sorted_by_name(source: Path) -> None:
    rows = rows_of(export(source, "-f", "csv").output)
    assert [row["id"] for row in rows] == ["kiss-peter", "nagy-eva", "veszelyes-vera"]


def test_csv_filter(source: Path) -> None:
    rows = rows_of(export(source, "-f", "csv", "tags=vip").output)
    assert [row["id"] for row in rows] == ["kiss-peter"]


def test_csv_view(source: Path) -> None:
    # The "today" view of a new workspace is next_action<=today; Péter's is tomorrow.
    rows = rows_of(export(source, "-f", "csv", "--view", "today", "next_action<=+7d").output)
    assert rows == []


def test_excel_csv_bytes(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "clients.csv"
    export(source, "-f", "csv", "--excel", "-o", target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:data.index(b"\r\n")].decode("utf-8")
    assert header.split(";")[:3] == ["Id", "Name", "Company"]
    assert header.endswith(";Last note")
    # Four records (header and three clients) end in CRLF; a line break inside a note is LF.
    assert data.count(b"\r\n") == 4
    assert data.endswith(b"\r\n")


def test_excel_csv_read_back(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "clients.csv"
    export(source, "-f", "csv", "--excel", "-o", target)
    with target.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    assert len(rows) == 4
    assert rows[1][1] == "Kiss Péter"
    assert rows[1][-1] == LONG_NOTE


def test_excel_csv_hungarian_headers(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "clients.csv"
    export(source, "-f", "csv", "--excel", "-o", target, lang="hu")
    header = target.read_bytes()[3:].split(b"\r\n")[0].decode("utf-8").split(";")
    assert header[1] == "Név"
    assert "Adószám" in header


# XLSX

@pytest.fixture
def workbook_sheet(source: Path, tmp_path: Path):
    from openpyxl import load_workbook

    target = tmp_path / "clients.xlsx"
    export(source, "-f", "xlsx", "-o", target)
    return load_workbook(target).active


def _column(sheet, header: str) -> int:
    headers = [cell.value for cell in sheet[1]]
    return headers.index(header) + 1


def test_xlsx_header(workbook_sheet) -> None:
    headers = [cell.value for cell in workbook_sheet[1]]
    assert headers[:3] == ["Id", "Name", "Company"]
    assert headers[-2:] == ["Tax number", "Last note"]
    assert all(cell.font.b for cell in workbook_sheet[1])


def test_xlsx_frozen_and_filtered(workbook_sheet) -> None:
    assert workbook_sheet.freeze_panes == "A2"
    assert workbook_sheet.auto_filter.ref == "A1:O4"


def test_xlsx_date_cell(workbook_sheet) -> None:
    cell = workbook_sheet.cell(2, _column(workbook_sheet, "Next action"))
    assert cell.is_date
    assert cell.value == datetime(2026, 12, 5)
    assert cell.number_format == "yyyy-mm-dd"


def test_xlsx_money_cell(workbook_sheet) -> None:
    cell = workbook_sheet.cell(2, _column(workbook_sheet, "Value"))
    assert cell.value == 1500000
    assert cell.data_type == "n"
    assert cell.number_format == "#,##0"


def test_xlsx_phone_text_cell(workbook_sheet) -> None:
    cell = workbook_sheet.cell(2, _column(workbook_sheet, "Phone"))
    assert cell.value == "+36301234567"
    assert cell.data_type == "s"


def test_xlsx_formula_injection(workbook_sheet) -> None:
    row = 4  # Veszélyes Vera sorts last
    company = workbook_sheet.cell(row, _column(workbook_sheet, "Company"))
    assert company.value == "'=1+2"
    assert company.data_type == "s"
    assert workbook_sheet.cell(row, _column(workbook_sheet, "Last note")).value == "'@SUM(A1)"


def test_xlsx_empty_cells(workbook_sheet) -> None:
    # Nagy Éva has no phone and no value.
    assert workbook_sheet.cell(3, _column(workbook_sheet, "Phone")).value is None
    assert workbook_sheet.cell(3, _column(workbook_sheet, "Value")).value is None


def test_xlsx_hungarian_dates(source: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "ugyfelek.xlsx"
    export(source, "-o", target, lang="hu")
    sheet = load_workbook(target).active
    assert sheet.cell(2, _column(sheet, "Következő teendő")).number_format == "yyyy. mm. dd."


def test_xlsx_needs_output(source: Path) -> None:
    before = snapshot(source)
    result = run(source, "export", "-f", "xlsx")
    assert_rejected(result, "-o")
    assert snapshot(source) == before


# JSON

def test_json_matches_list(source: Path) -> None:
    exported = json.loads(export(source, "-f", "json").output)
    listed = json.loads(run(source, "list", "--format", "json").output)
    assert exported == listed


def test_json_whole_records(source: Path) -> None:
    records = {record["id"]: record for record in json.loads(export(source, "-f", "json").output)}
    peter = records["kiss-peter"]
    assert [note["text"] for note in peter["notes"]] == ["Első hívás", LONG_NOTE]
    assert peter["status_history"][0]["to"] == "New lead"
    assert peter["tax_number"] == "12345678-2-42"


# vCard

def test_vcard_lines(source: Path) -> None:
    data = export(source, "-f", "vcf").stdout_bytes
    lines = physical_lines(data)
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in data.replace(b"\r\n", b"")
    for line in lines:
        line.decode("utf-8")  # a fold never splits a character


def test_vcard_fields(source: Path) -> None:
    lines = unfolded(export(source, "-f", "vcf").stdout_bytes)
    card = lines[:lines.index("END:VCARD") + 1]
    assert card[:3] == ["BEGIN:VCARD", "VERSION:3.0", "UID:kiss-peter"]
    assert "FN:Kiss Péter" in card
    assert "N:Kiss;Péter;;;" in card
    assert "ORG:Példa Kft." in card
    assert "EMAIL;TYPE=INTERNET:peter.kiss@pelda.hu" in card
    assert "TEL;TYPE=CELL:+36301234567" in card
    assert "CATEGORIES:vip" in card
    assert "NOTE:" + escape_text(LONG_NOTE) in card
    assert any(line.startswith("REV:") and line.endswith("Z") for line in card)


def test_vcard_landline_and_tags(source: Path) -> None:
    lines = unfolded(export(source, "-f", "vcf").stdout_bytes)
    assert "TEL;TYPE=WORK,VOICE:+3612345678" in lines
    assert "CATEGORIES:a,b" in lines


def test_vcard_vobject(source: Path) -> None:
    vobject = pytest.importorskip("vobject")
    text = export(source, "-f", "vcf").stdout_bytes.decode("utf-8")
    cards = list(vobject.readComponents(text))
    assert len(cards) == 3
    peter = cards[0]
    assert peter.fn.value == "Kiss Péter"
    assert peter.n.value.family == "Kiss"
    assert peter.n.value.given == "Péter"
    assert peter.note.value == LONG_NOTE
    assert peter.tel.value == "+36301234567"


# iCalendar

def test_ics_lines(source: Path) -> None:
    data = export(source, "-f", "ics").stdout_bytes
    lines = physical_lines(data)
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert lines[-1] == b"END:VCALENDAR"
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_ics_events(source: Path) -> None:
    lines = unfolded(export(source, "-f", "ics").stdout_bytes)
    assert lines.count("BEGIN:VEVENT") == 2  # Nagy Éva has no next action
    assert "UID:kiss-peter-next-action@pandai" in lines
    assert "DTSTART;VALUE=DATE:20261205" in lines
    assert "SUMMARY:Next action: Kiss Péter" in lines
    assert sum(1 for line in lines if line.startswith("DTSTAMP:")) == 2


def test_ics_description(source: Path) -> None:
    lines = unfolded(export(source, "-f", "ics").stdout_bytes)
    description = next(line for line in lines if line.startswith("DESCRIPTION:Company: Példa"))
    assert "\\nPhone: 06 30 123 4567\\n" in description
    assert "E-mail: peter.kiss@pelda.hu" in description
    assert description.endswith("Last note: " + escape_text(LONG_NOTE))


def test_ics_vobject(source: Path) -> None:
    vobject = pytest.importorskip("vobject")
    calendar = vobject.readOne(export(source, "-f", "ics").stdout_bytes.decode("utf-8"))
    event = calendar.vevent_list[0]
    assert event.dtstart.value == date(2026, 12, 5)
    assert event.summary.value == "Next action: Kiss Péter"
    assert event.description.value.endswith("Last note: " + LONG_NOTE)


def test_ics_hungarian_summary(source: Path) -> None:
    lines = unfolded(export(source, "-f", "ics", lang="hu").stdout_bytes)
    summaries = [line for line in lines if line.startswith("SUMMARY:")]
    assert summaries[0].endswith("Kiss Péter")


def test_ics_subprocess(source: Path) -> None:
    installed = Path(sys.executable).parent / "pandai"
    command = str(installed) if installed.exists() else shutil.which("pandai")
    if command is None:
        pytest.skip("the pandai command is not installed")
    result = subprocess.run([command, "-w", str(source), "export", "--format", "ics"],
                            capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"BEGIN:VCALENDAR\r\n")
    assert result.stdout.endswith(b"END:VCALENDAR\r\n")


# Folding and escaping

def test_fold_short_line() -> None:
    assert fold_line("FN:Kiss Péter") == "FN:Kiss Péter\r\n"


def test_fold_multibyte_boundary() -> None:
    line = "NOTE:" + "ő" * 100  # two octets each, so a fold could fall inside one
    folded = fold_line(line).encode("utf-8")
    parts = folded[:-2].split(b"\r\n")
    assert all(len(part) <= 75 for part in parts)
    assert all(part.startswith(b" ") for part in parts[1:])
    assert folded.decode("utf-8").replace("\r\n ", "") == line + "\r\n"


def test_escape_text() -> None:
    assert escape_text("a,b;c\\d\r\ne") == "a\\,b\\;c\\\\d\\ne"


# Writing the output file

def test_output_file_message(source: Path, tmp_path: Path) -> None:
    result = export(source, "-f", "json", "-o", tmp_path / "out.json")
    assert result.output.strip() == f"Exported 3 clients to {tmp_path / 'out.json'}."


def test_format_from_extension(source: Path, tmp_path: Path) -> None:
    export(source, "-o", tmp_path / "cards.vcf")
    assert (tmp_path / "cards.vcf").read_bytes().startswith(b"BEGIN:VCARD\r\n")


def test_existing_output_kept(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    result = run(source, "export", "-f", "csv", "-o", target)
    assert_rejected(result, "--force")
    assert target.read_text(encoding="utf-8") == "keep me"


def test_force_overwrites(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    export(source, "-f", "csv", "-o", target, "--force")
    assert target.read_text(encoding="utf-8").startswith("id,name,")


def test_no_temporary_files_left(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    run(source, "export", "-o", target)
    export(source, "-o", tmp_path / "new.csv")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["new.csv", "out.csv"]


def test_missing_output_folder(source: Path, tmp_path: Path) -> None:
    result = run(source, "export", "-o", tmp_path / "nowhere" / "out.csv")
    assert_rejected(result, "does not exist")
    assert not (tmp_path / "nowhere").exists()


def test_output_is_folder(source: Path, tmp_path: Path) -> None:
    result = run(source, "export", "-o", tmp_path)
    assert_rejected(result, "is a folder")


def test_unknown_format(source: Path, tmp_path: Path) -> None:
    result = run(source, "export", "-f", "pdf", "-o", tmp_path / "out.pdf")
    assert_rejected(result, "'pdf'")
    assert list(tmp_path.iterdir()) == []


def test_excel_only_for_csv(source: Path, tmp_path: Path) -> None:
    result = run(source, "export", "-f", "json", "--excel", "-o", tmp_path / "out.json")
    assert_rejected(result, "--excel")
    assert list(tmp_path.iterdir()) == []


def test_unknown_view(source: Path) -> None:
    assert_rejected(run(source, "export", "--view", "nincs"), "'nincs'")


def test_bad_filter(source: Path, tmp_path: Path) -> None:
    result = run(source, "export", "value>=sok", "-o", tmp_path / "out.csv")
    assert_rejected(result, "value>=sok")
    assert list(tmp_path.iterdir()) == []


def test_export_changes_nothing(source: Path, tmp_path: Path) -> None:
    before = snapshot(source)
    commits = commit_count(source)
    for output_format in ("csv", "xlsx", "json", "vcf", "ics"):
        export(source, "-f", output_format, "-o", tmp_path / f"out.{output_format}")
    assert snapshot(source) == before
    assert commit_count(source) == commits
    assert uncommitted(source) == ""


# Round trips: export, then import into an empty workspace

def _field_values(ws: Path) -> dict[str, dict]:
    records = json.loads(run(ws, "list", "--format", "json").output)
    return {record["id"]: {key: record.get(key) for key in ROUND_TRIP_FIELDS}
            for record in records}


def _last_notes(ws: Path) -> dict[str, str]:
    records = json.loads(run(ws, "list", "--format", "json").output)
    return {record["id"]: record["notes"][-1]["text"] for record in records
            if record.get("notes")}


def _import(ws: Path, path: Path, *options: str) -> None:
    commits = commit_count(ws)
    result = run(ws, "import", path, "--yes", *options)
    assert result.exit_code == 0, result.output
    assert commit_count(ws) == commits + 1
    assert uncommitted(ws) == ""


@pytest.mark.parametrize("options", [("-f", "csv"), ("-f", "csv", "--excel"), ("-f", "xlsx")],
                         ids=["csv", "excel-csv", "xlsx"])
def test_round_trip_fields(source: Path, workspace: Path, tmp_path: Path, options) -> None:
    # Veszélyes Vera's values start with = and @, so they come back with the ' prefix.
    target = tmp_path / ("clients.xlsx" if "xlsx" in options else "clients.csv")
    export(source, *options, "-o", target, "email!=vera@pelda.hu")
    _import(workspace, target)
    expected = _field_values(source)
    expected.pop("veszelyes-vera")
    assert _field_values(workspace) == expected


def test_round_trip_csv_notes(source: Path, workspace: Path, tmp_path: Path) -> None:
    target = tmp_path / "clients.csv"
    export(source, "-o", target, "email!=vera@pelda.hu")
    _import(workspace, target, "--map", "last_note=notes")
    assert _last_notes(workspace) == {"kiss-peter": LONG_NOTE}


def test_round_trip_json(source: Path, workspace: Path, tmp_path: Path) -> None:
    with (workspace / "pandai.yaml").open("a", encoding="utf-8") as stream:
        stream.write(CUSTOM_FIELD)
    commit_all(workspace, "Add the custom field of the source")
    target = tmp_path / "clients.json"
    export(source, "-o", target)
    _import(workspace, target)
    exported = {record["id"]: record for record in json.loads(target.read_text(encoding="utf-8"))}
    imported = {record["id"]: record
                for record in json.loads(run(workspace, "list", "--format", "json").output)}
    assert sorted(imported) == sorted(exported)
    for client_id, record in exported.items():
        for key, value in record.items():
            assert (client_id, key, imported[client_id].get(key)) == (client_id, key, value)


def test_round_trip_vcard(source: Path, workspace: Path, tmp_path: Path) -> None:
    target = tmp_path / "clients.vcf"
    export(source, "-o", target)
    _import(workspace, target)
    imported = _field_values(workspace)
    for client_id, values in _field_values(source).items():
        for key in ("name", "company", "email", "phone"):
            assert imported[client_id][key] == values[key]
    assert _last_notes(workspace)["kiss-peter"] == LONG_NOTE
