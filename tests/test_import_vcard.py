"""Importing vCard files: versions 2.1, 3.0 and 4.0, their encodings, folding and photos.

The fixture cards are written by the tests as bytes. The real sample files, kept in a folder
beside the repository and never copied into it, are read in place when they exist.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from conftest import SAMPLES, commit_count, git, run, snapshot, uncommitted
from pandai import yamlio
from pandai.errors import ImportFileError
from pandai.importing.plan import ImportOptions, execute_import
from pandai.importing.readers import read_table
from pandai.workspace import Workspace

# A 1x1 PNG image.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip("../shared/samples is absent")
    return path


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def cards(path: Path) -> list[dict]:
    table = read_table(path)
    return [dict(zip(table.headers, row.values)) for row in table.rows]


def read(ws: Path, client_id: str) -> dict:
    path = ws / "clients" / f"{client_id}.yaml"
    return yamlio.parse(path.read_text(encoding="utf-8"), path)


def qp(text: str, encoding: str) -> str:
    return "".join(f"={byte:02X}" if byte > 0x7E or byte in b"=;" else chr(byte)
                   for byte in text.encode(encoding))


# --- Own fixtures -------------------------------------------------------------------------------

def test_qp_windows_1250(tmp_path):
    name = qp("Őri;Űrsula", "cp1250").replace("=3B", ";")
    note = qp("Árvíztűrő tükörfúrógép", "cp1250")
    data = ("BEGIN:VCARD\r\nVERSION:2.1\r\n"
            f"N;CHARSET=WINDOWS-1250;ENCODING=QUOTED-PRINTABLE:{name}\r\n"
            f"NOTE;CHARSET=WINDOWS-1250;ENCODING=QUOTED-PRINTABLE:{note[:30]}=\r\n{note[30:]}\r\n"
            "EMAIL;INTERNET:ursula@fo.hu\r\nEND:VCARD\r\n").encode("ascii")
    card = cards(write(tmp_path, "hu.vcf", data))[0]
    assert card["name"] == "Őri Űrsula"
    assert card["notes"] == ["Árvíztűrő tükörfúrógép"]
    assert card["email"] == "ursula@fo.hu"


def test_qp_without_charset_is_1250(tmp_path):
    data = ("BEGIN:VCARD\r\nVERSION:2.1\r\n"
            f"N;ENCODING=QUOTED-PRINTABLE:{qp('Kőműves;Ödön', 'cp1250').replace('=3B', ';')}\r\n"
            "TEL;CELL:06301234567\r\nEND:VCARD\r\n").encode("ascii")
    assert cards(write(tmp_path, "nocharset.vcf", data))[0]["name"] == "Kőműves Ödön"


def test_raw_1250_bytes(tmp_path):
    data = ("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Tűzoltó;Győző\r\nFN:Tűzoltó Győző\r\n"
            "EMAIL:gyozo@tuzolto.hu\r\nEND:VCARD\r\n").encode("cp1250")
    table = read_table(write(tmp_path, "raw.vcf", data))
    assert table.encoding == "cp1250"
    assert next(table.rows).values[0] == "Tűzoltó Győző"


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-le", b""),
                                           ("utf-16-be", b"\xfe\xff"), ("utf-16-be", b"")])
def test_utf16(tmp_path, encoding, bom):
    text = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Őri Űrsula\r\nN:Őri;Űrsula;;;\r\n"
            "EMAIL;TYPE=work:ursula@fo.hu\r\nEND:VCARD\r\n")
    card = cards(write(tmp_path, "utf16.vcf", bom + text.encode(encoding)))[0]
    assert card["name"] == "Őri Űrsula"
    assert card["email"] == "ursula@fo.hu"


def test_v4_pref_order(tmp_path):
    data = ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kiss Péter\r\nN:Kiss;Péter;;;\r\n"
            "EMAIL;TYPE=home:peter@otthon.hu\r\n"
            "EMAIL;PREF=1;TYPE=work:peter.kiss@pelda.hu\r\n"
            "TEL;VALUE=uri;TYPE=cell:tel:+36-30-123-4567\r\n"
            "TEL;VALUE=uri;PREF=1;TYPE=\"voice,work\":tel:+36-1-234-5678\r\n"
            "END:VCARD\r\n").encode("utf-8")
    card = cards(write(tmp_path, "v4.vcf", data))[0]
    assert card["email"] == "peter.kiss@pelda.hu"
    assert card["emails"] == [{"value": "peter@otthon.hu", "type": "home"}]
    assert card["phone"] == "+36-1-234-5678"
    assert card["phones"] == [{"value": "+36-30-123-4567", "type": "cell"}]


def test_v3_type_pref(tmp_path):
    data = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nagy Béla\r\n"
            "EMAIL;TYPE=INTERNET:bela@egy.hu\r\nEMAIL;TYPE=INTERNET,PREF:bela@ketto.hu\r\n"
            "END:VCARD\r\n").encode("utf-8")
    card = cards(write(tmp_path, "v3.vcf", data))[0]
    assert card["email"] == "bela@ketto.hu"
    assert card["emails"] == [{"value": "bela@egy.hu"}]


def test_folding_by_version(tmp_path):
    body = "NOTE:Visszahív jövő\r\n  héten\r\nEMAIL:a@pelda.hu\r\nFN:Kiss Anna\r\n"
    for version, expected in (("2.1", "Visszahív jövő  héten"), ("3.0", "Visszahív jövő héten"),
                              ("4.0", "Visszahív jövő héten")):
        data = f"BEGIN:VCARD\r\nVERSION:{version}\r\n{body}END:VCARD\r\n".encode("utf-8")
        assert cards(write(tmp_path, f"fold{version}.vcf", data))[0]["notes"] == [expected]


def test_escapes_v3(tmp_path):
    data = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kiss Anna\r\nORG:Kiss\\, Nagy és Társa Bt.;Iroda\r\n"
            "NOTE:első sor\\nmásodik\\; sor\r\nEMAIL:a@pelda.hu\r\nEND:VCARD\r\n").encode("utf-8")
    card = cards(write(tmp_path, "escapes.vcf", data))[0]
    assert card["company"] == "Kiss, Nagy és Társa Bt."
    assert card["notes"] == ["első sor\nmásodik; sor"]


def test_several_cards_and_bday(tmp_path):
    data = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Egy Elek\r\nBDAY:1980-03-22\r\nEMAIL:e@pelda.hu\r\n"
            "END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kettő Kata\r\nBDAY:19921221\r\n"
            "TEL:06301234567\r\nEND:VCARD\r\n").encode("utf-8")
    table = read_table(write(tmp_path, "many.vcf", data))
    rows = list(table.rows)
    assert [row.number for row in rows] == [1, 7]
    assert rows[0].values[table.headers.index("birthday")] == "1980-03-22"
    assert rows[1].values[table.headers.index("birthday")] == "1992-12-21"


def test_no_card_rejected(tmp_path):
    path = write(tmp_path, "empty.vcf", b"BEGIN:VCARD-ish\r\n")
    with pytest.raises(ImportFileError) as raised:
        read_table(path)
    assert raised.value.message == (f"{path} contains no vCard (no BEGIN:VCARD line). Export "
                                     "the contacts again as vCard (.vcf).")


def photo_card(email: str = "foto@pelda.hu") -> bytes:
    encoded = base64.b64encode(PNG).decode("ascii")
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Fotó;Ferenc;;;\r\nFN:Ferenc Fotó\r\n"
            f"EMAIL:{email}\r\nPHOTO;ENCODING=b;TYPE=PNG:{encoded[:40]}\r\n {encoded[40:]}\r\n"
            "END:VCARD\r\n").encode("utf-8")


def test_photo_decoded(tmp_path):
    card = cards(write(tmp_path, "photo.vcf", photo_card()))[0]
    assert card["photo"].data == PNG
    assert card["photo"].extension == "png"


def test_photo_import_committed(workspace, tmp_path):
    source = write(tmp_path, "photo.vcf", photo_card())

    result = run(workspace, "import", source, "--yes")
    data = read(workspace, "foto-ferenc")

    assert result.exit_code == 0, result.stderr
    assert data["files"] == ["photo.png"]
    assert (workspace / "files" / "foto-ferenc" / "photo.png").read_bytes() == PNG
    assert "files/foto-ferenc/photo.png" in git(workspace, "show", "--name-only", "HEAD")
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_interrupted_import_leaves_nothing(workspace, tmp_path):
    source = write(tmp_path, "photo.vcf", photo_card())
    before = snapshot(workspace)

    def interrupt(plan):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute_import(Workspace.open(workspace), source, ImportOptions(), on_plan=interrupt)

    assert snapshot(workspace) == before
    assert not (workspace / "files" / "foto-ferenc").exists()
    assert commit_count(workspace) == 2
    assert uncommitted(workspace) == ""


def test_extra_contacts_in_file(workspace, tmp_path):
    data = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Kiss;Péter;;;\r\nFN:Péter Kiss\r\n"
            "EMAIL;TYPE=work,pref:Peter.Kiss@Pelda.hu\r\nEMAIL;TYPE=home:peter@otthon.hu\r\n"
            "TEL;TYPE=cell:06 30 123 4567\r\nTEL;TYPE=work:+36 1 234 5678\r\n"
            "ORG:Példa Kft.;Értékesítés\r\nNOTE:Régi ügyfél.\r\nBDAY:1980-03-22\r\n"
            "END:VCARD\r\n").encode("utf-8")
    source = write(tmp_path, "kiss.vcf", data)

    result = run(workspace, "import", source, "--yes")
    client = read(workspace, "kiss-peter")
    text = (workspace / "clients" / "kiss-peter.yaml").read_text(encoding="utf-8")

    assert result.exit_code == 0, result.stderr
    assert client["name"] == "Kiss Péter"
    assert client["company"] == "Példa Kft."
    assert client["email"] == "peter.kiss@pelda.hu"
    assert client["phone"] == "+36301234567"
    assert client["emails"] == [{"value": "peter@otthon.hu", "type": "home"}]
    assert client["phones"] == [{"value": "+3612345678", "type": "work"}]
    assert client["birthday"] == "1980-03-22"
    assert client["notes"][0]["text"] == "Régi ügyfél."
    assert "- {value: peter@otthon.hu, type: home}\n" in text
    assert uncommitted(workspace) == ""


# --- Real samples -------------------------------------------------------------------------------

def test_sample_android():
    found = cards(sample("android-2.1-qp.vcf"))
    assert len(found) == 6
    assert found[0]["email"] == "john.doe@company.com"
    assert found[0]["name"] == "john.doe@company.com"
    assert found[1]["email"] == "jane.doe@company.com"
    assert found[2]["name"] == "Ñ Ñ Ñ Ñ Ñ"
    assert found[2]["phone"] == "123456789"
    assert found[3]["name"] == "Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ"
    assert found[3]["phones"] == [{"value": "234567", "type": "home"},
                                  {"value": "3456789", "type": "cell"},
                                  {"value": "45678901", "type": "home"}]
    # A soft line break joins "Ñ" and "Ñ" without a space.
    assert found[3]["notes"][0] == "Ñ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ"
    assert found[4]["name"] == "Ñ Ñ Ñ Ñ Ñ"
    assert found[4]["email"] == "bob@company.com"
    assert found[4]["company"] == "Ñ" * 12
    assert found[4]["photo"] is None
    assert found[5]["name"] == "ÑÑÑÑ"
    assert found[5]["email"] == "henry@company.com"
    assert found[5]["phone"] == "55556666"
    assert found[5]["tags"] == ["My Contacts"]


def test_sample_android_damaged_photo():
    table = read_table(sample("android-2.1-qp.vcf"))
    rows = list(table.rows)
    assert rows[4].remarks == ["the photo is damaged (invalid base64) and was left out"]


def test_sample_outlook():
    card = cards(sample("outlook-2.1-labels.vcf"))[0]
    assert card["name"] == "Doe John Richter James"
    assert card["company"] == "IBM"
    assert card["email"] == "john.doe@ibm.cm"
    assert card["phone"] == "(905) 555-1234"
    assert card["phones"] == [{"value": "(905) 666-1234", "type": "home"}]
    assert card["birthday"] == "1980-03-22"
    assert card["notes"][0].startswith("THIS SOFTWARE IS PROVIDED BY GEORGE EL-HADDAD")
    assert card["notes"][0].endswith("EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.")
    assert card["photo"].extension == "jpg"
    assert card["photo"].data.startswith(b"\xff\xd8\xff")


def test_sample_thebat():
    card = cards(sample("thebat-2.1-qp-nocharset.vcf"))[0]
    assert card["name"] == "Iksiński Piotr"
    assert card["email"] == "piotr.iksinski@somedomain.com"


def test_sample_khard_multi():
    card = cards(sample("khard-multi-values-3.0.vcf"))[0]
    assert card["name"] == "Schröder Mark Stephe"
    assert card["company"] == "Company1"
    assert card["email"] == "mark@example.com"
    assert card["emails"] == [{"value": "mark@example.org", "type": "work"}]
    assert card["phone"] == "0161 99999999"
    assert card["phones"] == [{"value": "090 11122200", "type": "work"},
                              {"value": "090 33344400", "type": "work"},
                              {"value": "090 55566600", "type": "work"}]
    assert card["notes"] == ["multi-line\nnote", "single line note"]
    assert card["birthday"] == "1992-12-21"
    assert card["tags"] == ["cat1", "cat2", "cät3", "one more"]


def test_sample_khard_photo():
    card = cards(sample("khard-photo-v4.vcf"))[0]
    assert card["name"] == "with photo v4"
    # vCard 4.0 unfolding removes the space that starts a continuation line.
    assert card["notes"] == ["The RFC6350 for vCard 4.0 specifies that the value for PHOTO "
                             "shouldbe a single uri."]
    assert card["photo"].extension == "png"
    assert card["photo"].data.startswith(b"\x89PNG")


def test_sample_android_import(workspace):
    result = run(workspace, "import", sample("android-2.1-qp.vcf"), "--yes")
    bob = read(workspace, "n-n-n-n-n-2")

    assert result.exit_code == 0, result.stderr
    assert "New clients: 6\n" in result.stdout
    assert "  row 36: the photo is damaged (invalid base64) and was left out\n" in result.stdout
    assert bob["email"] == "bob@company.com"
    assert bob["emails"] == [{"value": "Ñ" * 14}]
    assert bob["phones"] == [{"value": "123456"}]
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_sample_khard_photo_import(workspace):
    source = sample("khard-photo-v4.vcf")

    skipped = run(workspace, "import", source, "--yes")
    kept = run(workspace, "import", source, "--yes", "--keep-incomplete")

    assert "  row 1: no e-mail and no phone\n" in skipped.stdout
    assert kept.exit_code == 0, kept.stderr
    assert read(workspace, "with-photo-v4")["files"] == ["photo.png"]
    assert (workspace / "files" / "with-photo-v4" / "photo.png").read_bytes().startswith(
        b"\x89PNG")
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


@pytest.mark.parametrize("name, client_id, email", [
    ("outlook-2.1-labels.vcf", "doe-john-richter-james", "john.doe@ibm.cm"),
    ("thebat-2.1-qp-nocharset.vcf", "iksinski-piotr", "piotr.iksinski@somedomain.com"),
    ("khard-multi-values-3.0.vcf", "schroder-mark-stephe", "mark@example.com"),
])
def test_sample_import(workspace, name, client_id, email):
    result = run(workspace, "import", sample(name), "--yes")

    assert result.exit_code == 0, result.stderr
    assert read(workspace, client_id)["email"] == email
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""
