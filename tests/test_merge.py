"""Tests of ``pandai duplicates`` and ``pandai merge`` on real git workspaces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import commit_all, commit_count, git, last_commit_message, run, snapshot, uncommitted

KISS_PETER = """\
name: Kiss Péter
company: Példa Kft.
email: peter.kiss@pelda.hu
status: Offer sent
owner: anna
value: 1500000
last_contact: 2026-11-01
created: 2026-10-02
tags: [vip]
notes:
- at: 2026-10-02T09:00:00+01:00
  by: anna
  kind: note
  text: Első
- at: 2026-11-20T10:00:00+01:00
  by: anna
  kind: call
  text: Harmadik
status_history:
- {at: 2026-10-02, by: anna, to: New lead}
- {at: 2026-11-20, by: anna, from: New lead, to: Offer sent}
files: [offer.pdf]
"""
PETER_KISS = """\
name: Péter Kiss
company: PÉLDA kft
email: kiss.peter@masik.hu
phone: "+36301234567"
status: Contacting
owner: anna
source: Website
last_contact: 2026-11-25
next_action: 2026-12-10
created: 2026-09-15
tags: [partner, vip]
notes:
- at: 2026-10-02T09:00:00+01:00
  by: anna
  kind: note
  text: Első
- at: 2026-11-05T14:30:00+01:00
  by: anna
  kind: meeting
  text: Második
status_history:
- {at: 2026-09-15, by: anna, to: New lead}
- {at: 2026-11-05, by: anna, from: New lead, to: Contacting}
files: [offer.pdf, contract.pdf]
"""
# Likely duplicates: by name (words in another order, company in another spelling), by e-mail,
# by phone (one written in national form by hand), and by name where one company is missing.
# The two Kovács Jánoses work for different companies, so they are not duplicates.
DUPLICATE_CLIENTS = {
    "kiss-peter": "name: Kiss Péter\ncompany: Példa Kft.\n",
    "peter-kiss": "name: Péter Kiss\ncompany: PÉLDA kft\n",
    "nagy-eva": "name: Nagy Éva\nemail: eva@pelda.hu\n",
    "nagy-eva-maria": "name: Nagy Éva Mária\nemail: Eva@Pelda.hu\n",
    "szabo-anna": "name: Szabó Anna\nphone: \"+36301111111\"\n",
    "toth-bela": "name: Tóth Béla\nphone: \"06301111111\"\n",
    "kovacs-janos": "name: Kovács János\ncompany: Alfa Kft.\n",
    "kovacs-janos-2": "name: Kovács János\ncompany: Béta Kft.\n",
    "horvath-ildiko": "name: Horváth Ildikó\n",
    "horvath-ildiko-2": "name: horvath ildiko\ncompany: Gamma Bt.\n",
}
EXPECTED_PAIRS = [
    ["horvath-ildiko", "horvath-ildiko-2", ["name"]],
    ["kiss-peter", "peter-kiss", ["name"]],
    ["nagy-eva", "nagy-eva-maria", ["email"]],
    ["szabo-anna", "toth-bela", ["phone"]],
]


def write_clients(ws: Path, clients: dict[str, str]) -> None:
    for client_id, text in clients.items():
        (ws / "clients" / f"{client_id}.yaml").write_text(text, encoding="utf-8")


@pytest.fixture
def duplicates_ws(workspace: Path) -> Path:
    """A workspace whose clients contain four likely duplicate pairs, all committed."""
    write_clients(workspace, DUPLICATE_CLIENTS)
    commit_all(workspace, "Add clients by hand")
    return workspace


@pytest.fixture
def pair_ws(workspace: Path) -> Path:
    """A workspace with kiss-peter and peter-kiss, both with notes, history and attachments."""
    write_clients(workspace, {"kiss-peter": KISS_PETER, "peter-kiss": PETER_KISS,
                              "nagy-eva": "name: Nagy Éva\nemail: eva@pelda.hu\n"})
    for client_id, name, content in (("kiss-peter", "offer.pdf", "A"),
                                     ("peter-kiss", "offer.pdf", "B"),
                                     ("peter-kiss", "contract.pdf", "C")):
        folder = workspace / "files" / client_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")
    commit_all(workspace, "Add clients by hand")
    return workspace


def pairs_of(ws: Path) -> list[list]:
    result = run(ws, "duplicates", "--format", "json")
    assert result.exit_code == 0, result.output
    return [[pair["first"], pair["second"], pair["reasons"]] for pair in json.loads(result.output)]


def record(ws: Path, client_id: str) -> dict:
    result = run(ws, "show", client_id, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def merge(ws: Path) -> dict:
    commits = commit_count(ws)
    result = run(ws, "merge", "kiss-peter", "peter-kiss", "--yes")
    assert result.exit_code == 0, result.output
    assert commit_count(ws) == commits + 1
    assert uncommitted(ws) == ""
    return record(ws, "kiss-peter")


def assert_rejected(result, text: str, status: int) -> None:
    assert result.exit_code == status, result.output
    assert text in result.output
    assert "Traceback" not in result.output


# duplicates

def test_duplicates_json(duplicates_ws: Path) -> None:
    assert pairs_of(duplicates_ws) == EXPECTED_PAIRS


def test_duplicates_table(duplicates_ws: Path) -> None:
    lines = run(duplicates_ws, "duplicates").output.splitlines()
    assert lines[0].split() == ["Id", "Name", "Id", "Name", "Reason"]
    assert lines[3].split()[:2] == ["kiss-peter", "Kiss"]
    assert lines[3].endswith("similar name and company")
    assert lines[-1].startswith("4 likely duplicate pairs.")


def test_duplicates_several_reasons(workspace: Path) -> None:
    write_clients(workspace, {
        "kiss-peter": "name: Kiss Péter\nemail: p@pelda.hu\nphone: \"+36301234567\"\n",
        "kiss-peter-2": "name: Kiss Peter\nemail: P@pelda.hu\nphone: \"+36301234567\"\n"})
    commit_all(workspace, "Add clients by hand")
    assert pairs_of(workspace) == [["kiss-peter", "kiss-peter-2", ["email", "phone", "name"]]]


def test_duplicates_none(workspace: Path) -> None:
    result = run(workspace, "duplicates")
    assert result.exit_code == 0, result.output
    assert result.output == "No likely duplicates.\n"


def test_duplicates_ignore_archive(duplicates_ws: Path) -> None:
    result = run(duplicates_ws, "archive", "name~horvath", "--yes")
    assert result.exit_code == 0, result.output
    assert pairs_of(duplicates_ws) == EXPECTED_PAIRS[1:]


def test_not_duplicates_marked(duplicates_ws: Path) -> None:
    commits = commit_count(duplicates_ws)
    result = run(duplicates_ws, "duplicates", "--not", "toth-bela", "szabo-anna")
    assert result.exit_code == 0, result.output
    assert result.output == "Marked szabo-anna and toth-bela as not duplicates.\n"
    assert commit_count(duplicates_ws) == commits + 1
    assert last_commit_message(duplicates_ws) == "pandai: not duplicates szabo-anna toth-bela"
    assert uncommitted(duplicates_ws) == ""
    assert pairs_of(duplicates_ws) == EXPECTED_PAIRS[:3]


def test_not_duplicates_file(duplicates_ws: Path) -> None:
    run(duplicates_ws, "duplicates", "--not", "toth-bela", "szabo-anna")
    run(duplicates_ws, "duplicates", "--not", "kiss-peter", "peter-kiss")
    text = (duplicates_ws / "duplicates.yaml").read_text(encoding="utf-8")
    assert text == ("not_duplicates:\n- [szabo-anna, toth-bela]\n"
                    "- [kiss-peter, peter-kiss]\n")


def test_not_duplicates_twice(duplicates_ws: Path) -> None:
    run(duplicates_ws, "duplicates", "--not", "toth-bela", "szabo-anna")
    commits = commit_count(duplicates_ws)
    result = run(duplicates_ws, "duplicates", "--not", "szabo-anna", "toth-bela")
    assert result.exit_code == 0, result.output
    assert "already marked" in result.output
    assert commit_count(duplicates_ws) == commits


def test_not_duplicates_same_client(duplicates_ws: Path) -> None:
    before = snapshot(duplicates_ws)
    result = run(duplicates_ws, "duplicates", "--not", "toth-bela", "Tóth Béla")
    assert_rejected(result, "same client", 4)
    assert snapshot(duplicates_ws) == before


def test_not_duplicates_unknown(duplicates_ws: Path) -> None:
    before = snapshot(duplicates_ws)
    result = run(duplicates_ws, "duplicates", "--not", "toth-bela", "nincs-ilyen")
    assert_rejected(result, "nincs-ilyen", 3)
    assert snapshot(duplicates_ws) == before


def test_duplicates_bad_file(duplicates_ws: Path) -> None:
    (duplicates_ws / "duplicates.yaml").write_text("not_duplicates: [a, b]\n", encoding="utf-8")
    result = run(duplicates_ws, "duplicates")
    assert_rejected(result, "duplicates.yaml", 4)


def test_duplicates_bad_format(duplicates_ws: Path) -> None:
    assert_rejected(run(duplicates_ws, "duplicates", "--format", "xml"), "'xml'", 4)


# merge

def test_merge_commit(pair_ws: Path) -> None:
    merge(pair_ws)
    assert last_commit_message(pair_ws) == "pandai: merge peter-kiss into kiss-peter"
    assert not (pair_ws / "clients" / "peter-kiss.yaml").exists()
    assert not (pair_ws / "files" / "peter-kiss").exists()


def test_merge_fields(pair_ws: Path) -> None:
    merged = merge(pair_ws)
    assert merged["name"] == "Kiss Péter"
    assert merged["email"] == "peter.kiss@pelda.hu"
    assert merged["status"] == "Offer sent"
    assert merged["phone"] == "+36301234567"
    assert merged["source"] == "Website"
    assert merged["next_action"] == "2026-12-10"
    assert merged["value"] == 1500000


def test_merge_dates_and_tags(pair_ws: Path) -> None:
    merged = merge(pair_ws)
    assert merged["last_contact"] == "2026-11-25"
    assert merged["created"] == "2026-09-15"
    assert merged["tags"] == ["vip", "partner"]


def test_merge_notes(pair_ws: Path) -> None:
    notes = merge(pair_ws)["notes"]
    assert [note["text"] for note in notes[:3]] == ["Első", "Második", "Harmadik"]
    assert notes[3]["text"] == ("Merged from peter-kiss: name: Péter Kiss, company: PÉLDA kft, "
                                "email: kiss.peter@masik.hu, status: Contacting")
    assert len(notes) == 4


def test_merge_status_history(pair_ws: Path) -> None:
    history = merge(pair_ws)["status_history"]
    assert [entry["at"] for entry in history] == ["2026-09-15", "2026-10-02", "2026-11-05",
                                                  "2026-11-20"]


def test_merge_files(pair_ws: Path) -> None:
    merged = merge(pair_ws)
    folder = pair_ws / "files" / "kiss-peter"
    assert merged["files"] == ["offer.pdf", "offer-2.pdf", "contract.pdf"]
    assert (folder / "offer.pdf").read_text(encoding="utf-8") == "A"
    assert (folder / "offer-2.pdf").read_text(encoding="utf-8") == "B"
    assert (folder / "contract.pdf").read_text(encoding="utf-8") == "C"


def test_merge_untracked_file(pair_ws: Path) -> None:
    (pair_ws / "files" / "peter-kiss" / "scan.jpg").write_text("D", encoding="utf-8")
    merged = merge(pair_ws)
    assert merged["files"][-1] == "scan.jpg"
    assert git(pair_ws, "ls-files", "files/kiss-peter/scan.jpg").strip() \
        == "files/kiss-peter/scan.jpg"


def test_merge_preview(pair_ws: Path) -> None:
    output = run(pair_ws, "merge", "kiss-peter", "peter-kiss", "--yes").output.splitlines()
    assert output[0] == "Merge peter-kiss (Péter Kiss) into kiss-peter (Kiss Péter):"
    assert "  phone: takes +36301234567" in output
    assert "  email: keeps peter.kiss@pelda.hu; kiss.peter@masik.hu goes into a note" in output
    assert "  file offer.pdf moves to files/kiss-peter/offer-2.pdf" in output
    assert output[-1] == "Merged peter-kiss into kiss-peter."


def test_merge_clears_marks(pair_ws: Path) -> None:
    run(pair_ws, "duplicates", "--not", "peter-kiss", "nagy-eva")
    merge(pair_ws)
    assert (pair_ws / "duplicates.yaml").read_text(encoding="utf-8") == "not_duplicates: []\n"


def test_merge_by_search_term(pair_ws: Path) -> None:
    result = run(pair_ws, "merge", "kiss-peter", "kiss.peter@masik.hu", "--yes")
    assert result.exit_code == 0, result.output
    assert not (pair_ws / "clients" / "peter-kiss.yaml").exists()


def test_merge_needs_yes(pair_ws: Path) -> None:
    before = snapshot(pair_ws)
    commits = commit_count(pair_ws)
    result = run(pair_ws, "merge", "kiss-peter", "peter-kiss")
    assert_rejected(result, "--yes", 7)
    assert snapshot(pair_ws) == before
    assert commit_count(pair_ws) == commits


def test_merge_with_itself(pair_ws: Path) -> None:
    before = snapshot(pair_ws)
    result = run(pair_ws, "merge", "kiss-peter", "Kiss Péter", "--yes")
    assert_rejected(result, "itself", 4)
    assert snapshot(pair_ws) == before


def test_merge_unknown_id(pair_ws: Path) -> None:
    before = snapshot(pair_ws)
    result = run(pair_ws, "merge", "kiss-peter", "nincs-ilyen", "--yes")
    assert_rejected(result, "nincs-ilyen", 3)
    assert snapshot(pair_ws) == before


def test_merge_archived_client(pair_ws: Path) -> None:
    assert run(pair_ws, "archive", "name=Péter Kiss", "--yes").exit_code == 0
    merged = merge(pair_ws)
    assert merged["phone"] == "+36301234567"
    assert not (pair_ws / "archive" / "peter-kiss.yaml").exists()


def test_merged_id_not_reused(workspace):
    from conftest import run

    for email in ("eva@pelda.hu", "eva.nagy@pelda.hu"):
        result = run(workspace, "add", "Nagy Éva", "--email", email, "--force")
        assert result.exit_code == 0, result.output
    assert run(workspace, "merge", "nagy-eva", "nagy-eva-2", "--yes").exit_code == 0
    result = run(workspace, "add", "Nagy Éva", "--email", "eva3@pelda.hu", "--force")
    assert result.exit_code == 0, result.output
    assert "nagy-eva-3" in result.stdout
