"""Importing the exports of other systems: Google Contacts, Outlook, Thunderbird and Pandai JSON.

The Google and Outlook files are written by the tests with the column names those programs use
(Outlook in English, German and Hungarian). The Thunderbird samples, kept in a folder beside
the repository and never copied into it, are read in place when they exist.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, commit_count, run, uncommitted
from pandai import yamlio


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip("../shared/samples is absent")
    return path


def read(ws: Path, client_id: str) -> dict:
    path = ws / "clients" / f"{client_id}.yaml"
    return yamlio.parse(path.read_text(encoding="utf-8"), path)


def client_ids(ws: Path) -> list[str]:
    return sorted(path.stem for path in (ws / "clients").glob("*.yaml"))


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",",
               encoding: str = "utf-8") -> Path:
    def cell(text: str) -> str:
        return f'"{text}"' if delimiter in text or '"' in text else text

    path.write_bytes("".join(delimiter.join(cell(text) for text in row) + "\r\n"
                             for row in rows).encode(encoding))
    return path


GOOGLE = [
    ["Name", "Given Name", "Additional Name", "Family Name", "Notes", "Group Membership",
     "E-mail 1 - Type", "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value",
     "Phone 1 - Type", "Phone 1 - Value", "Organization 1 - Name", "Birthday"],
    ["Péter Kiss", "Péter", "", "Kiss", "Régi ügyfél", "* myContacts ::: VIP",
     "Home ::: * Work", "peter@otthon.hu ::: peter.kiss@pelda.hu", "Other", "pk@masik.hu",
     "Mobile ::: Work", "+36 30 123 4567 ::: 06 1 234 5678", "Példa Kft.", "1980-03-22"],
    ["Anna Nagy", "Anna", "", "Nagy", "", "* myContacts", "", "", "", "", "Mobile",
     "06 70 111 2233", "", ""],
]


def test_google_contacts(workspace, tmp_path):
    source = write_rows(tmp_path / "contacts.csv", GOOGLE)

    result = run(workspace, "import", source, "--yes")
    kiss, nagy = read(workspace, "kiss-peter"), read(workspace, "nagy-anna")

    assert result.exit_code == 0, result.stderr
    assert "  E-mail 1 - Type → email_type\n" in result.stdout
    assert "  Phone 1 - Value → phone (Phone)\n" in result.stdout
    assert kiss["name"] == "Kiss Péter"
    assert kiss["email"] == "peter.kiss@pelda.hu"
    assert kiss["emails"] == [{"value": "peter@otthon.hu", "type": "home"},
                              {"value": "pk@masik.hu", "type": "other"}]
    assert kiss["phone"] == "+36301234567"
    assert kiss["phones"] == [{"value": "+3612345678", "type": "work"}]
    assert kiss["company"] == "Példa Kft."
    assert kiss["tags"] == ["VIP"]
    assert kiss["birthday"] == "1980-03-22"
    assert kiss["notes"][0]["text"] == "Régi ügyfél"
    assert nagy["name"] == "Nagy Anna"
    assert nagy["phone"] == "+36701112233"
    assert "tags" not in nagy
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


@pytest.mark.parametrize("header, delimiter, encoding", [
    (["First Name", "Middle Name", "Last Name", "Company", "E-mail Address",
      "E-mail 2 Address", "Mobile Phone", "Business Phone", "Notes", "Categories"],
     ",", "utf-8"),
    (["Vorname", "Weitere Vornamen", "Nachname", "Firma", "E-Mail-Adresse",
      "E-Mail 2: Adresse", "Mobiltelefon", "Telefon geschäftlich", "Notizen", "Kategorien"],
     ";", "cp1252"),
    (["Utónév", "Egyéb név", "Vezetéknév", "Cég", "Elektronikus levélcím",
      "Elektronikus levél 2 címe", "Mobiltelefon", "Munkahelyi telefon", "Megjegyzések",
      "Kategóriák"], ";", "cp1250"),
])
def test_outlook_languages(workspace, tmp_path, header, delimiter, encoding):
    row = ["Ödön", "", "Kőműves", "Tűzoltó Bt.", "odon@tuzolto.hu", "odon@otthon.hu",
           "06 30 123 4567", "06 1 234 5678", "Visszahív", "Partner"]
    if encoding == "cp1252":
        row[1:4] = ["", "Kömüves", "Tüzoltó Bt."]
    source = write_rows(tmp_path / "outlook.csv", [header, row], delimiter, encoding)

    result = run(workspace, "import", source, "--yes")
    client = read(workspace, client_ids(workspace)[0])

    assert result.exit_code == 0, result.stderr
    assert client["name"] == ("Kömüves Ödön" if encoding == "cp1252" else "Kőműves Ödön")
    assert client["email"] == "odon@tuzolto.hu"
    assert client["emails"] == [{"value": "odon@otthon.hu"}]
    assert client["phone"] == "+36301234567"
    assert client["phones"] == [{"value": "+3612345678", "type": "work"}]
    assert client["company"] in ("Tűzoltó Bt.", "Tüzoltó Bt.")
    assert client["tags"] == ["Partner"]
    assert client["notes"][0]["text"] == "Visszahív"
    assert uncommitted(workspace) == ""


def test_thunderbird_sample(workspace):
    result = run(workspace, "import", sample("thunderbird-contacts.csv"), "--yes")
    client = read(workspace, "lastname-firstname")

    assert result.exit_code == 0, result.stderr
    assert "Columns not imported: Nickname, Screen Name, Fax Number, Pager Number" \
        in result.stdout
    assert client["name"] == "Lastname Firstname"
    assert client["email"] == "test@domain.tld"
    assert client["emails"] == [{"value": "next@domain.tld"}]
    assert client["company"] == "Organization"
    assert client["birthday"] == "1970-11-15"
    assert client["phones"] == [{"value": "phone work", "type": "work"},
                                {"value": "phone home", "type": "home"},
                                {"value": "mobile", "type": "cell"}]
    assert ("  row 2: Phone 'phone work' is not valid (not a phone number), so it is kept as "
            "written under phones\n") in result.stdout
    assert uncommitted(workspace) == ""


def test_outlook_email_columns_sample(workspace):
    result = run(workspace, "import", sample("outlook-email-columns.csv"), "--yes")
    client = read(workspace, "test1-domain-tld")

    assert result.exit_code == 0, result.stderr
    assert ("No column holds the name, so each client is named after its e-mail address or "
            "phone number.\n") in result.stdout
    assert client["name"] == "test1@domain.tld"
    assert client["email"] == "test1@domain.tld"
    assert client["emails"] == [{"value": "test2@domain.tld"}, {"value": "test3@domain.tld"}]
    assert commit_count(workspace) == 3


def test_json_round_trip(workspace, tmp_path):
    target = tmp_path / "target"
    shutil.copytree(workspace, target, symlinks=True)
    run(workspace, "add", "Kiss Péter", "--email", "peter.kiss@pelda.hu", "--phone",
        "06301234567", "--company", "Példa Kft.", "--value", "1,5M", "--tag", "vip")
    run(workspace, "note", "kiss-peter", "Visszahív jövő héten", "--call")
    run(workspace, "status", "kiss-peter", "Offer sent")
    exported = run(workspace, "list", "--format", "json")
    source = tmp_path / "clients.json"
    source.write_text(exported.stdout, encoding="utf-8")

    result = run(target, "import", source, "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Import of clients.json: json.\n")
    assert client_ids(target) == ["kiss-peter"]
    assert (target / "clients" / "kiss-peter.yaml").read_text(encoding="utf-8") == \
        (workspace / "clients" / "kiss-peter.yaml").read_text(encoding="utf-8")
    assert commit_count(target) == 3
    assert uncommitted(target) == ""


def test_json_not_array(workspace, tmp_path):
    source = tmp_path / "client.json"
    source.write_text(json.dumps([1, 2]), encoding="utf-8")

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 4
    assert result.stderr == (f"Error: {source}: expected a JSON array of client objects, as "
                             "'pandai list --format json' writes.\n")


def test_json_invalid(workspace, tmp_path):
    source = tmp_path / "broken.json"
    source.write_text('[{"name": "Kiss Péter",\n "email": }]', encoding="utf-8")

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 4
    assert result.stderr.startswith(f"Error: {source}:2: invalid JSON: Expecting value.")
