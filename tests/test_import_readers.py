"""Tests of reading import files and guessing their column mapping.

Most fixtures are built as bytes in a temporary folder. Real-world sample files, kept in a
folder beside the repository and never copied into it, are read in place when they exist.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from pandai.errors import ImportFileError
from pandai.importing.headers import (
    FIELD_HEADERS,
    find_header_row,
    guess_mapping,
    normalize_header,
    parse_map_option,
)
from pandai.importing.readers import Row, read_table

SAMPLES = Path(__file__).parents[2] / "shared" / "samples"

HUNGARIAN_CSV = (
    "Ügyfél neve;Cég;Email;Megjegyzés\r\n"
    "Őri Űrsula;Fő utca Kft.;ursula@fo.hu;„Visszahív” – jövő héten\r\n"
    "Kőműves Ödön;Tűzoltó Bt.;odon@tuzolto.hu;\r\n"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def values(table) -> list[list]:
    return [row.values for row in table.rows]


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip("../shared/samples is absent")
    return path


def save_workbook(tmp_path: Path, rows: list[list], name: str = "clients.xlsx",
                  epoch=None) -> Path:
    workbook = openpyxl.Workbook()
    if epoch is not None:
        workbook.epoch = epoch
    sheet = workbook.active
    sheet.title = "Ügyfelek"
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    path = tmp_path / name
    workbook.save(path)
    return path


# --- Encodings and delimiters -------------------------------------------------------------------

def test_cp1250_semicolon(tmp_path):
    path = write(tmp_path, "ugyfelek.csv", HUNGARIAN_CSV.encode("cp1250"))
    table = read_table(path)
    rows = values(table)
    assert table.format == "csv"
    assert table.encoding == "cp1250"
    assert table.delimiter == ";"
    assert table.headers == ["Ügyfél neve", "Cég", "Email", "Megjegyzés"]
    assert rows[0] == ["Őri Űrsula", "Fő utca Kft.", "ursula@fo.hu", "„Visszahív” – jövő héten"]
    assert rows[1] == ["Kőműves Ödön", "Tűzoltó Bt.", "odon@tuzolto.hu", None]


def test_utf8_bom_comma(tmp_path):
    text = "Név,Email,Telefon\nŐri Űrsula,ursula@fo.hu,+36 30 123 4567\n"
    path = write(tmp_path, "export.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    table = read_table(path)
    assert table.encoding == "utf-8-sig"
    assert table.delimiter == ","
    assert table.headers[0] == "Név"
    assert values(table) == [["Őri Űrsula", "ursula@fo.hu", "+36 30 123 4567"]]


def test_utf8_without_bom(tmp_path):
    path = write(tmp_path, "export.csv", "Név,Cég\nŐze,Szőlő Kft.\n".encode("utf-8"))
    table = read_table(path)
    assert table.encoding == "utf-8"
    assert values(table) == [["Őze", "Szőlő Kft."]]


def test_utf16le_bom_tab(tmp_path):
    text = "Name\tCompany\tPhone\r\nŐri Űrsula\tFő Kft.\t+36301234567\r\n"
    path = write(tmp_path, "salesforce.csv", text.encode("utf-16"))
    table = read_table(path)
    assert table.encoding == "utf-16"
    assert table.delimiter == "\t"
    assert table.headers == ["Name", "Company", "Phone"]
    assert values(table) == [["Őri Űrsula", "Fő Kft.", "+36301234567"]]


def test_utf16be_bom(tmp_path):
    text = "Name;Email\nŐri Űrsula;ursula@fo.hu\n"
    path = write(tmp_path, "export.csv", b"\xfe\xff" + text.encode("utf-16-be"))
    table = read_table(path)
    assert table.encoding == "utf-16"
    assert values(table) == [["Őri Űrsula", "ursula@fo.hu"]]


def test_utf16le_without_bom(tmp_path):
    text = "Name;Email\nŐri Űrsula;ursula@fo.hu\nKiss Péter;peter@kiss.hu\n"
    path = write(tmp_path, "export.csv", text.encode("utf-16-le"))
    table = read_table(path)
    assert table.encoding == "utf-16-le"
    assert table.delimiter == ";"
    assert values(table)[1] == ["Kiss Péter", "peter@kiss.hu"]


def test_utf16be_without_bom(tmp_path):
    text = "Name;Email\nŐri Űrsula;ursula@fo.hu\n"
    path = write(tmp_path, "export.csv", text.encode("utf-16-be"))
    table = read_table(path)
    assert table.encoding == "utf-16-be"
    assert values(table) == [["Őri Űrsula", "ursula@fo.hu"]]


def test_latin2_pipe_txt(tmp_path):
    text = "Név|Cég|Város\nŐze Űrsula|Szőlő Kft.|Győr\nÖrs Ödön|Tűz Bt.|Pécs\n"
    path = write(tmp_path, "lista.txt", text.encode("iso8859_2"))
    table = read_table(path)
    rows = values(table)
    assert table.format == "txt"
    assert table.delimiter == "|"
    # Both code pages decode Hungarian letters the same way, and Windows-1250 is preferred then.
    assert table.encoding == "cp1250"
    assert rows[0] == ["Őze Űrsula", "Szőlő Kft.", "Győr"]
    assert rows[1] == ["Örs Ödön", "Tűz Bt.", "Pécs"]


def test_latin2_czech_letters(tmp_path):
    text = "Jméno|Město\nŠárka Šťastná|Písek\nŽaneta Ševčíková|Šumperk\n"
    path = write(tmp_path, "kontakty.txt", text.encode("iso8859_2"))
    table = read_table(path)
    assert table.encoding == "iso8859-2"
    assert values(table)[0] == ["Šárka Šťastná", "Písek"]


def test_cp1250_czech_letters(tmp_path):
    text = "Jméno|Město\nŠárka Šťastná|Písek\nŽaneta Ševčíková|Šumperk\n"
    path = write(tmp_path, "kontakty.txt", text.encode("cp1250"))
    table = read_table(path)
    assert table.encoding == "cp1250"
    assert values(table)[1] == ["Žaneta Ševčíková", "Šumperk"]


def test_late_accent_not_utf8(tmp_path):
    # The only non-ASCII byte sits far beyond the detection sample.
    lines = ["Name;Email"] + [f"Client {n};c{n}@example.com" for n in range(8000)]
    text = "\n".join(lines) + "\nŐri Űrsula;ursula@fo.hu\n"
    path = write(tmp_path, "big.csv", text.encode("cp1250"))
    table = read_table(path)
    rows = values(table)
    assert table.encoding != "utf-8"
    assert rows[-1] == ["Őri Űrsula", "ursula@fo.hu"]


def test_delimiter_override(tmp_path):
    path = write(tmp_path, "data.txt", b"Name\tEmail\nAnna\tanna@example.com\n")
    table = read_table(path, delimiter="tab")
    assert table.delimiter == "\t"
    assert values(table) == [["Anna", "anna@example.com"]]


def test_encoding_override(tmp_path):
    path = write(tmp_path, "data.csv", "Name;Note\nAnna;très bien\n".encode("cp1252"))
    table = read_table(path, encoding="cp1252")
    assert table.encoding == "cp1252"
    assert values(table) == [["Anna", "très bien"]]


def test_encoding_override_keeps_bom_out(tmp_path):
    path = write(tmp_path, "data.csv", b'\xef\xbb\xbf"Name";"Email"\nAnna;a@example.com\n')
    table = read_table(path, encoding="utf-8")
    assert table.headers == ["Name", "Email"]


def test_comma_inside_semicolon_file(tmp_path):
    text = ("Név;Megjegyzés;Cég\n"
            "Anna;Hívjuk, ha lesz ajánlat;A Kft.\n"
            "Béla;Telefonon beszéltünk, ajánlatot kér.;B Bt.\n")
    path = write(tmp_path, "notes.csv", text.encode("utf-8"))
    table = read_table(path)
    assert table.delimiter == ";"
    assert values(table)[0] == ["Anna", "Hívjuk, ha lesz ajánlat", "A Kft."]


# --- Records and rows ---------------------------------------------------------------------------

def test_quoted_multiline_cell(tmp_path):
    text = ('Név;Megjegyzés\n'
            'Anna;"Első sor\nmásodik ""idézett"" sor"\n'
            'Béla;rövid\n')
    path = write(tmp_path, "notes.csv", text.encode("utf-8"))
    rows = list(read_table(path).rows)
    assert rows[0].values == ["Anna", 'Első sor\nmásodik "idézett" sor']
    assert rows[0].number == 2
    # A spreadsheet shows the multi-line record as one row, so Béla is on row 3.
    assert rows[1].number == 3


def test_title_rows_skipped(tmp_path):
    text = ("Ügyféllista 2025\n"
            "Exportálva;2025-01-31\n"
            "Belső használatra;Bizalmas\n"
            "\n"
            "Név;Email;Telefon\n"
            "Anna;anna@example.com;+36301234567\n")
    path = write(tmp_path, "lista.csv", text.encode("utf-8"))
    table = read_table(path)
    rows = list(table.rows)
    assert table.header_row == 5
    assert table.headers == ["Név", "Email", "Telefon"]
    assert rows[0].number == 6
    assert rows[0].values == ["Anna", "anna@example.com", "+36301234567"]


def test_empty_rows_skipped(tmp_path):
    text = "Név;Email\nAnna;a@example.com\n;\n\nBéla;b@example.com\n"
    path = write(tmp_path, "gaps.csv", text.encode("utf-8"))
    rows = list(read_table(path).rows)
    assert [row.number for row in rows] == [2, 5]


def test_short_row_padded(tmp_path):
    path = write(tmp_path, "short.csv", b"Name;Email;Phone\nAnna;a@example.com\n")
    rows = values(read_table(path))
    assert rows == [["Anna", "a@example.com", None]]


def test_long_row_empty_extras(tmp_path):
    path = write(tmp_path, "long.csv", b"Name;Email\nAnna;a@example.com;;\n")
    rows = values(read_table(path))
    assert rows == [["Anna", "a@example.com"]]


def test_long_row_rejected(tmp_path):
    text = b"Name;Email\nAnna;a@example.com\nBela;b@example.com;extra;\n"
    path = write(tmp_path, "ragged.csv", text)
    table = read_table(path)
    with pytest.raises(ImportFileError) as raised:
        list(table.rows)
    assert raised.value.line == 3
    assert "Row 3" in raised.value.message
    assert "3 cells" in raised.value.message
    assert "2 columns" in raised.value.message


def test_empty_header_cell_named(tmp_path):
    path = write(tmp_path, "blank.csv", b"Name;;Email;\nAnna;x;a@example.com;\n")
    table = read_table(path)
    assert table.headers == ["Name", "Column 2", "Email"]
    assert values(table) == [["Anna", "x", "a@example.com"]]


def test_rows_stream_lazily(tmp_path):
    lines = ["Name;Email"] + [f"Client {n};c{n}@example.com" for n in range(5000)]
    path = write(tmp_path, "many.csv", "\n".join(lines).encode("utf-8"))
    table = read_table(path)
    assert iter(table.rows) is table.rows
    assert next(table.rows) == Row(2, ["Client 0", "c0@example.com"])
    assert sum(1 for _row in table.rows) == 4999


# --- XLSX ---------------------------------------------------------------------------------------

def test_xlsx_values(tmp_path):
    path = save_workbook(tmp_path, [
        ["Ügyfél neve", "Érték", "Arány", "Létrehozva", "Utolsó kapcsolat"],
        ["  Őri Űrsula ", 450000.0, 0.25, datetime(2026, 7, 22), datetime(2026, 7, 22, 14, 30)],
    ])
    table = read_table(path)
    row = next(table.rows)
    assert table.format == "xlsx"
    assert table.encoding is None
    assert table.delimiter is None
    assert row.values[0] == "Őri Űrsula"
    assert row.values[1] == 450000
    assert type(row.values[1]) is int
    assert row.values[2] == 0.25
    assert row.values[3] == date(2026, 7, 22)
    assert type(row.values[3]) is date
    assert row.values[4] == datetime(2026, 7, 22, 14, 30)


@pytest.mark.parametrize("epoch, serial", [(None, "46225"), (CALENDAR_MAC_1904, "44763")])
def test_xlsx_date_systems(tmp_path, epoch, serial):
    path = save_workbook(tmp_path, [["Név", "Létrehozva"], ["Anna", date(2026, 7, 22)]],
                         epoch=epoch)
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert f"<v>{serial}</v>" in sheet_xml
    assert values(read_table(path)) == [["Anna", date(2026, 7, 22)]]


def test_xlsx_empty_rows_numbered(tmp_path):
    path = save_workbook(tmp_path, [
        ["Ügyféllista"],
        [None],
        ["Név", "Email"],
        ["Anna", "a@example.com"],
        [None, None],
        [None, None],
        ["Béla", "b@example.com"],
    ])
    table = read_table(path)
    rows = list(table.rows)
    assert table.header_row == 3
    assert [row.number for row in rows] == [4, 7]
    assert rows[1].values == ["Béla", "b@example.com"]


def test_xlsx_named_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Cím", "Megjegyzés"])
    second = workbook.create_sheet("Leadek")
    second.append(["Név", "Email"])
    second.append(["Anna", "a@example.com"])
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    table = read_table(path, sheet="leadek")
    assert table.headers == ["Név", "Email"]
    assert values(table) == [["Anna", "a@example.com"]]


def test_xlsx_unknown_sheet(tmp_path):
    path = save_workbook(tmp_path, [["Név", "Email"], ["Anna", "a@example.com"]])
    with pytest.raises(ImportFileError) as raised:
        read_table(path, sheet="Nincs ilyen")
    assert "Nincs ilyen" in raised.value.message
    assert "Ügyfelek" in raised.value.message


def test_xlsx_detected_by_content(tmp_path):
    source = save_workbook(tmp_path, [["Név", "Email"], ["Anna", "a@example.com"]])
    path = write(tmp_path, "export.csv", source.read_bytes())
    table = read_table(path)
    assert table.format == "xlsx"
    assert values(table) == [["Anna", "a@example.com"]]


def test_xlsx_long_row_rejected(tmp_path):
    path = save_workbook(tmp_path, [["Név", "Email"], ["Anna", "a@example.com", "extra"]])
    table = read_table(path)
    with pytest.raises(ImportFileError) as raised:
        list(table.rows)
    assert raised.value.line == 2


# --- Errors -------------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    path = tmp_path / "nincs.csv"
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert raised.value.path == path
    assert "not found" in raised.value.message


def test_folder_rejected(tmp_path):
    with pytest.raises(ImportFileError) as raised:
        read_table(tmp_path)
    assert "folder" in raised.value.message


def test_empty_file(tmp_path):
    path = write(tmp_path, "empty.csv", b"")
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert "empty" in raised.value.message


def test_blank_lines_only(tmp_path):
    path = write(tmp_path, "blank.csv", b"\xef\xbb\xbf\r\n;;\r\n")
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert "no data" in raised.value.message


def test_old_xls_rejected(tmp_path):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + bytes(range(256)) * 4
    path = write(tmp_path, "regi.xls", ole2)
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert ".xlsx" in raised.value.message
    assert raised.value.path == path


def test_xls_named_csv_rejected(tmp_path):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path = write(tmp_path, "export.csv", ole2)
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert ".xls" in raised.value.message


def test_corrupt_xlsx(tmp_path):
    path = write(tmp_path, "broken.xlsx", b"PK\x03\x04" + b"\x00not really a zip" * 20)
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert "Excel workbook" in raised.value.message
    assert ".xlsx or CSV" in raised.value.message


def test_zip_without_workbook(tmp_path):
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "not a workbook")
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert "Excel workbook" in raised.value.message


def test_binary_file_rejected(tmp_path):
    path = write(tmp_path, "image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert "not a text file" in raised.value.message


def test_undecodable_in_header_sample(tmp_path):
    text = "Név;Email\nAnna;a@example.com\nŐri Űrsula;u@fo.hu\n"
    path = write(tmp_path, "cp1250.csv", text.encode("cp1250"))
    with pytest.raises(ImportFileError) as raised:
        read_table(path, encoding="utf-8")
    # The é of "Név" on line 1 is the first byte that UTF-8 rejects.
    assert raised.value.line == 1
    assert "utf-8" in raised.value.message


def test_undecodable_while_streaming(tmp_path):
    # The text stream decodes 8 KiB ahead, so the bad byte must lie well past the first rows.
    lines = ["Name;Email"] + [f"Client {n};c{n}@example.com" for n in range(2000)]
    text = "\n".join(lines) + "\nŐri Űrsula;u@fo.hu\n"
    path = write(tmp_path, "late.csv", text.encode("cp1250"))
    table = read_table(path, encoding="utf-8", delimiter=";")
    with pytest.raises(ImportFileError) as raised:
        list(table.rows)
    assert raised.value.line == 2002


def test_unclosed_quote(tmp_path):
    text = 'Név;Megjegyzés\nAnna;"nyitott idézőjel\n' + "Béla;rendben\n" * 20000
    path = write(tmp_path, "quote.csv", text.encode("utf-8"))
    with pytest.raises(ImportFileError) as raised:
        list(read_table(path, delimiter=";").rows)
    assert raised.value.line == 2
    assert "quotes" in raised.value.message


def test_text_named_xlsx(tmp_path):
    path = write(tmp_path, "export.xlsx", b"Name;Email\nAnna;a@example.com\n")
    table = read_table(path)
    assert table.format == "csv"
    assert values(table) == [["Anna", "a@example.com"]]


def test_unknown_encoding(tmp_path):
    path = write(tmp_path, "data.csv", b"Name;Email\n")
    with pytest.raises(ImportFileError) as raised:
        read_table(path, encoding="hungarian-ish")
    assert "hungarian-ish" in raised.value.message


def test_invalid_delimiter(tmp_path):
    path = write(tmp_path, "data.csv", b"Name;Email\n")
    with pytest.raises(ImportFileError) as raised:
        read_table(path, delimiter=";;")
    assert "delimiter" in raised.value.message


def test_no_header_row(tmp_path):
    path = write(tmp_path, "numbers.csv", b"1;2;3\n4;5;6\n")
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert "No header row" in raised.value.message


# --- Headers ------------------------------------------------------------------------------------

def test_normalize_header_variants():
    assert normalize_header("E-mail cím") == normalize_header("email cim")
    assert normalize_header("  Ügyfél_neve ") == "ugyfelneve"
    assert normalize_header("TELEFONSZÁM") == "telefonszam"
    assert normalize_header("Utolsó kapcsolat") == normalize_header("utolsó_kapcsolat")


def test_aliases_unique_per_field():
    seen: dict[str, str] = {}
    for field, aliases in FIELD_HEADERS.items():
        for alias in aliases:
            key = normalize_header(alias)
            assert seen.setdefault(key, field) == field, alias


def test_guess_mapping_hungarian():
    headers = ["Ügyfél neve", "Cégnév", "E-mail cím", "Telefonszám", "Állapot", "Üzletkötő",
               "Forrás", "Összeg", "Utolsó kapcsolat", "Következő lépés", "Létrehozva",
               "Címkék", "Megjegyzések", "Születésnap"]
    assert guess_mapping(headers) == [
        "name", "company", "email", "phone", "status", "owner", "source", "value",
        "last_contact", "next_action", "created", "tags", "notes", "birthday",
    ]


def test_guess_mapping_english():
    headers = ["Full name", "Organization", "Email address", "Mobile", "Stage", "Assigned to",
               "Lead source", "Deal value", "Last contact", "Follow-up", "Created", "Tags",
               "Comment"]
    assert guess_mapping(headers) == [
        "name", "company", "email", "phone", "status", "owner", "source", "value",
        "last_contact", "next_action", "created", "tags", "notes",
    ]


def test_guess_mapping_first_wins():
    assert guess_mapping(["Név", "Ügyfél", "Cég", "Cégnév"]) == [
        "name", None, "company", None,
    ]


def test_guess_mapping_repeats_contacts():
    assert guess_mapping(["Telefon", "Mobil", "Email", "E-mail"]) == [
        "phone", "phone", "email", "email",
    ]


def test_guess_mapping_name_parts():
    assert guess_mapping(["Vezetéknév", "Keresztnév", "Email"]) == [
        "family_name", "given_name", "email",
    ]
    assert guess_mapping(["First Name", "Last Name"]) == ["given_name", "family_name"]


def test_find_header_row_prefers_known():
    rows = [["Riport", "2025"], ["Belső", "Bizalmas"], ["Név", "Email"], ["Anna", "a@x.hu"]]
    assert find_header_row(rows) == 2


def test_find_header_row_unknown_names():
    rows = [["column1", "column2"], ["row1-1", "row1-2"]]
    assert find_header_row(rows) == 0


def test_parse_map_option():
    headers = ["Cégnév", "Megjegyzés", "Régi oszlop", "Kontakt"]
    mapping = parse_map_option("Cégnév=company, megjegyzes=notes,Régi oszlop=", headers)
    assert mapping == {0: "company", 1: "notes", 2: None}


@pytest.mark.parametrize("target, field", [
    ("név", "name"), ("name", "name"), ("cég", "company"), ("company", "company"),
    ("telefon", "phone"), ("phone", "phone"), ("email", "email"), ("e-mail", "email"),
    ("státusz", "status"), ("status", "status"), ("felelős", "owner"), ("owner", "owner"),
    ("forrás", "source"), ("source", "source"), ("érték", "value"), ("value", "value"),
    ("utolsó_kapcsolat", "last_contact"), ("last_contact", "last_contact"),
    ("következő_teendő", "next_action"), ("next_action", "next_action"),
    ("címkék", "tags"), ("tags", "tags"), ("megjegyzések", "notes"), ("notes", "notes"),
    ("keresztnév", "given_name"), ("family_name", "family_name"),
])
def test_parse_map_aliases(target, field):
    assert parse_map_option(f"Oszlop={target}", ["Oszlop"]) == {0: field}


def test_parse_map_unknown_header():
    with pytest.raises(ImportFileError) as raised:
        parse_map_option("Nincs=company", ["Cégnév", "Email"])
    assert "Nincs" in raised.value.message
    assert '"Cégnév", "Email"' in raised.value.message


def test_parse_map_unknown_field():
    with pytest.raises(ImportFileError) as raised:
        parse_map_option("Cégnév=cegadat", ["Cégnév"])
    assert "cegadat" in raised.value.message
    assert "company" in raised.value.message
    assert "last_contact" in raised.value.message


def test_parse_map_field_twice():
    with pytest.raises(ImportFileError) as raised:
        parse_map_option("A=company,B=cég", ["A", "B"])
    assert "company" in raised.value.message


def test_parse_map_email_twice():
    assert parse_map_option("A=email,B=e-mail", ["A", "B"]) == {0: "email", 1: "email"}


def test_parse_map_missing_equals():
    with pytest.raises(ImportFileError) as raised:
        parse_map_option("Cégnév company", ["Cégnév"])
    assert "HEADER=FIELD" in raised.value.message


def test_parse_map_error_path(tmp_path):
    path = tmp_path / "ugyfelek.csv"
    with pytest.raises(ImportFileError) as raised:
        parse_map_option("X=name", ["Név"], path=path)
    assert raised.value.path == path


# --- Real-world samples -------------------------------------------------------------------------

def test_sample_excel_cp1250():
    table = read_table(sample("ugyfelek-excel-cp1250.csv"))
    rows = list(table.rows)
    assert table.encoding == "cp1250"
    assert table.delimiter == ";"
    assert len(table.headers) == 11
    assert table.headers[0] == "Ügyfél neve"
    assert rows[0].values[0] == "Kőváry Gábor"
    assert rows[0].values[10] == 'Ár "túl magas" szerinte'
    assert guess_mapping(table.headers)[9] == "next_action"


def test_sample_xlsx():
    table = read_table(sample("ugyfelek.xlsx"))
    first = next(table.rows)
    assert table.headers[0] == "Ügyfél neve"
    assert first.number == 2
    assert first.values[0] == "Kőváry Gábor"
    assert first.values[7] == 450000
    assert type(first.values[7]) is int
    assert first.values[8] == date(2026, 7, 22)
    assert type(first.values[8]) is date


def test_sample_salesforce_utf16():
    table = read_table(sample("sfdc-bom-utf16le.csv"))
    assert table.encoding == "utf-16"
    assert table.headers == ["column1", "column2", "column3"]
    assert values(table) == [["row1-1", "row1-2", "row1-3"], ["row2-1", "row2-2", "row2-3"]]


def test_sample_postal_codes():
    table = read_table(sample("hu-postal-codes-excerpt.csv"))
    rows = values(table)
    assert table.encoding == "utf-8-sig"
    assert table.headers == ["Postal Code", "Place Name", "County"]
    assert rows[0] == ["8128", "Aba", "Fejér"]
    assert ["9625", "Bő", "Vas"] in rows
    assert rows[-1] == ["1013", "Budapest", None]


def test_sample_thunderbird():
    table = read_table(sample("thunderbird-contacts.csv"))
    rows = values(table)
    mapping = guess_mapping(table.headers)
    assert table.delimiter == ","
    assert table.headers[-1] == "Notes"
    assert len(rows) == 1
    assert rows[0][4] == "test@domain.tld"
    assert mapping[:3] == ["given_name", "family_name", "name"]
    assert mapping[table.headers.index("Organization")] == "company"


def test_lone_carriage_return(tmp_path):
    path = write(tmp_path, "cr.csv", b"\r\x01")
    with pytest.raises(ImportFileError):
        list(read_table(path).rows)
