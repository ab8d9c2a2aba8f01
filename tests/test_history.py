"""Tests of ``pandai history``: the activity log read from real git repositories.

The repositories are made by pandai commands and hand commits with fixed authors and dates
(``GIT_AUTHOR_*`` and ``GIT_COMMITTER_DATE`` for each commit), so every line is exact.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import commit_count, git, run, uncommitted

from pandai.i18n import _, activate

ANNA = ("Nagy Anna", "anna@pelda.hu")
BELA = ("Kovács Béla", "bela@pelda.hu")
CSILLA = ("Szabó Csilla", "csilla@pelda.hu")
NNBSP = "\u202f"
NBSP = "\u00a0"


def identity(person: tuple[str, str], when: str) -> dict[str, str]:
    """Return the git environment of a commit made by ``person`` at the ISO time ``when``."""
    name, email = person
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}


def act(ws: Path, person: tuple[str, str], when: str, *args: str) -> None:
    """Run a pandai command as ``person`` at ``when`` and check it made one commit."""
    before = commit_count(ws)
    extra = ["--yes"] if args[0] == "archive" else []
    result = run(ws, *args, *extra, env=identity(person, when))
    assert result.exit_code == 0, result.output
    assert commit_count(ws) == before + 1
    assert uncommitted(ws) == ""


def hand_commit(ws: Path, person: tuple[str, str], when: str, message: str) -> None:
    """Commit every change in ``ws`` with git itself, as a person editing files does."""
    environment = {**os.environ, **identity(person, when)}
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", "-C", str(ws), *args], env=environment, check=True,
                       capture_output=True)


def edit_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def build_log(ws: Path, statuses: tuple[str, str], language: str) -> None:
    """Give ``ws`` a client with a month of changes by three people."""
    first, second = statuses
    act(ws, ANNA, "2026-11-02T09:00:00+01:00", "team", "add", "bela", "--name", BELA[0],
        "--email", BELA[1])
    act(ws, ANNA, "2026-11-02T09:30:00+01:00", "add", "Kiss Péter", "--email",
        "peter.kiss@pelda.hu", "--value", "1000000")
    act(ws, BELA, "2026-11-20T10:15:00+01:00", "status", "kiss-peter", second)
    act(ws, ANNA, "2026-11-21T16:40:00+01:00", "edit", "kiss-peter", "value=1500000",
        "owner=bela")
    act(ws, BELA, "2026-11-25T11:05:00+01:00", "note", "kiss-peter",
        "Asks for the offer by Friday.\nSend the price list.", "--call")
    client = ws / "clients" / "kiss-peter.yaml"
    edit_file(client, "email: peter.kiss@pelda.hu\n",
              "email: peter.kiss@pelda.hu\nphone: \"+36301234567\"\n")
    hand_commit(ws, CSILLA, "2026-11-28T08:00:00+01:00", "Add Péter's phone")
    offer = ws.parent / "offer.pdf"
    offer.write_bytes(b"%PDF-1.4\n")
    act(ws, ANNA, "2026-12-01T12:00:00+01:00", "attach", "kiss-peter", str(offer))
    act(ws, BELA, "2026-12-02T09:00:00+01:00", "add", "Nagy Éva", "--email", "eva@pelda.hu")
    act(ws, ANNA, "2026-12-03T17:00:00+01:00", "archive", "id=kiss-peter")


@pytest.fixture
def english(workspace: Path) -> Path:
    """The English workspace with Kiss Péter's month of changes."""
    build_log(workspace, ("New lead", "Offer sent"), "en")
    return workspace


@pytest.fixture
def hungarian(tmp_path: Path) -> Path:
    """A Hungarian workspace with the same month of changes."""
    ws = tmp_path / "hu"
    result = run(None, "init", ws, "--lang", "hu", lang="hu",
                 env=identity(ANNA, "2026-11-01T08:00:00+01:00"))
    assert result.exit_code == 0, result.output
    act(ws, ANNA, "2026-11-01T08:10:00+01:00", "team", "add", "anna", "--name", ANNA[0],
        "--email", ANNA[1])
    build_log(ws, ("Új lead", "Ajánlat elküldve"), "hu")
    return ws


# One client's log

def test_client_log_english(english: Path) -> None:
    result = run(english, "history", "kiss-peter")
    assert result.exit_code == 0, result.output
    assert result.output == "\n".join([
        f"Dec 3, 2026, 5:00:00{NNBSP}PM · Nagy Anna · pandai: archive 1 client(s)",
        "  archived",
        "",
        f"Dec 1, 2026, 12:00:00{NNBSP}PM · Nagy Anna · pandai: attach kiss-peter offer.pdf",
        "  file attached: offer.pdf",
        "",
        f"Nov 28, 2026, 8:00:00{NNBSP}AM · Szabó Csilla · Add Péter's phone",
        "  phone added: 06 30 123 4567",
        "",
        f"Nov 25, 2026, 11:05:00{NNBSP}AM · Kovács Béla · pandai: note kiss-peter (call)",
        "  last contact added: Dec 4, 2026",
        "  note added (call): Asks for the offer by Friday.…",
        "",
        f"Nov 21, 2026, 4:40:00{NNBSP}PM · Nagy Anna · pandai: edit kiss-peter",
        "  owner: anna → bela",
        "  value: HUF1,000,000 → HUF1,500,000",
        "",
        f"Nov 20, 2026, 10:15:00{NNBSP}AM · Kovács Béla · pandai: status kiss-peter: "
        "New lead -> Offer sent",
        "  status: New lead → Offer sent",
        "",
        f"Nov 2, 2026, 9:30:00{NNBSP}AM · Nagy Anna · pandai: add kiss-peter",
        "  created",
        ""])


def test_client_log_hungarian(hungarian: Path) -> None:
    result = run(hungarian, "history", "kiss-peter", lang="hu")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2026. 11. 20. 10:15 · Kovács Béla · pandai: status kiss-peter: Új lead -> " \
           "Ajánlat elküldve" in lines
    assert "2026. 11. 21. 16:40 · Nagy Anna · pandai: edit kiss-peter" in lines
    # The labels come from the Hungarian catalog, so they are looked up the same way.
    activate("hu")
    status, value = _("Status"), _("Value")
    activate("en")
    assert f"  {status[0].lower()}{status[1:]}: Új lead → Ajánlat elküldve" in lines
    assert f"  {value[0].lower()}{value[1:]}: 1{NBSP}000{NBSP}000 Ft → " \
           f"1{NBSP}500{NBSP}000 Ft" in lines


def test_client_log_follows_archive(english: Path) -> None:
    result = run(english, "unarchive", "kiss-peter",
                 env=identity(BELA, "2026-12-04T08:00:00+01:00"))
    assert result.exit_code == 0, result.output
    log = run(english, "history", "kiss-peter", "--limit", "2")
    assert log.output.splitlines()[:2] == [
        f"Dec 4, 2026, 8:00:00{NNBSP}AM · Kovács Béla · pandai: unarchive kiss-peter",
        "  unarchived"]
    assert "  archived" in log.output.splitlines()


def test_client_log_by_search_term(english: Path) -> None:
    by_id = run(english, "history", "kiss-peter")
    by_name = run(english, "history", "Kiss Péter")
    assert by_name.exit_code == 0, by_name.output
    assert by_name.output == by_id.output


def test_client_log_limit(english: Path) -> None:
    result = run(english, "history", "kiss-peter", "--limit", "1")
    assert result.output == (f"Dec 3, 2026, 5:00:00{NNBSP}PM · Nagy Anna · pandai: archive "
                             "1 client(s)\n  archived\n")


def test_client_log_json(english: Path) -> None:
    result = run(english, "history", "kiss-peter", "--format", "json", "--since",
                 "2026-11-21", "--until", "2026-11-25")
    entries = json.loads(result.output)
    assert [entry["subject"] for entry in entries] == [
        "pandai: note kiss-peter (call)", "pandai: edit kiss-peter"]
    edit = entries[1]
    assert set(edit) == {"commit", "date", "author", "email", "subject", "client", "name",
                         "changes"}
    assert edit["date"] == "2026-11-21T16:40:00+01:00"
    assert edit["author"] == "Nagy Anna"
    assert edit["client"] == "kiss-peter"
    assert edit["changes"] == [{"field": "owner", "from": "anna", "to": "bela"},
                               {"field": "value", "from": 1000000, "to": 1500000}]
    note = entries[0]["changes"][1]["note"]
    assert note["kind"] == "call"
    assert note["text"] == "Asks for the offer by Friday.\nSend the price list."


def test_client_log_hand_edits(english: Path) -> None:
    client = english / "archive" / "kiss-peter.yaml"
    edit_file(client, "value: 1500000\n", "value: 1,7M\nregion: Pest\n")
    hand_commit(english, CSILLA, "2026-12-04T09:00:00+01:00", "Correct the value")
    result = run(english, "history", "kiss-peter", "--limit", "1")
    assert result.output.splitlines() == [
        f"Dec 4, 2026, 9:00:00{NNBSP}AM · Szabó Csilla · Correct the value",
        "  value: HUF1,500,000 → HUF1,700,000",
        "  region added: Pest"]


def test_client_log_unreadable_version(english: Path) -> None:
    client = english / "archive" / "kiss-peter.yaml"
    original = client.read_text(encoding="utf-8")
    client.write_text("<<<<<<< HEAD\n" + original, encoding="utf-8")
    hand_commit(english, CSILLA, "2026-12-04T09:00:00+01:00", "Broken merge")
    client.write_text(original.replace("value: 1500000", "value: 1600000"), encoding="utf-8")
    hand_commit(english, CSILLA, "2026-12-04T10:00:00+01:00", "Repair the merge")
    lines = run(english, "history", "kiss-peter", "--limit", "2").output.splitlines()
    assert lines[1] == "  the file can be read again"
    assert lines[4].startswith("  the file could not be read in this version: unresolved git "
                               "merge")


def test_client_log_of_deleted_file(english: Path) -> None:
    git(english, "rm", "-q", "archive/kiss-peter.yaml")
    hand_commit(english, CSILLA, "2026-12-04T09:00:00+01:00", "Remove Péter")
    result = run(english, "history", "kiss-peter", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == "  file deleted"


def test_unknown_client(english: Path) -> None:
    result = run(english, "history", "nobody")
    assert result.exit_code == 3
    assert "No client matches 'nobody'" in result.output


def test_unknown_search_term(english: Path) -> None:
    result = run(english, "history", "Nobody Here")
    assert result.exit_code == 3
    assert "No client matches 'Nobody Here'" in result.output


# The whole workspace

def test_workspace_log_since(english: Path) -> None:
    result = run(english, "history", "--since", "3d")
    assert result.exit_code == 0, result.output
    assert result.output == "\n".join([
        f"Dec 3, 2026, 5:00:00{NNBSP}PM · Nagy Anna · pandai: archive 1 client(s)",
        "  kiss-peter: archived",
        "",
        f"Dec 2, 2026, 9:00:00{NNBSP}AM · Kovács Béla · pandai: add nagy-eva",
        "  nagy-eva: created",
        "",
        f"Dec 1, 2026, 12:00:00{NNBSP}PM · Nagy Anna · pandai: attach kiss-peter offer.pdf",
        "  kiss-peter: file attached: offer.pdf",
        ""])


def test_workspace_log_author(english: Path) -> None:
    result = run(english, "history", "--author", "bela", "--format", "json")
    entries = json.loads(result.output)
    assert [entry["subject"] for entry in entries] == [
        "pandai: add nagy-eva", "pandai: note kiss-peter (call)",
        "pandai: status kiss-peter: New lead -> Offer sent"]


def test_workspace_log_author_text(english: Path) -> None:
    result = run(english, "history", "--author", "szabó", "--format", "json")
    entries = json.loads(result.output)
    assert [entry["subject"] for entry in entries] == ["Add Péter's phone"]


def test_workspace_log_until(english: Path) -> None:
    result = run(english, "history", "--until", "2026-11-02", "--format", "json")
    entries = json.loads(result.output)
    assert [entry["client"] for entry in entries] == ["kiss-peter"]


def test_workspace_log_groups_commit(english: Path) -> None:
    act(english, ANNA, "2026-12-04T09:00:00+01:00", "add", "Tóth Ádám", "--phone",
        "06201234567")
    act(english, ANNA, "2026-12-04T10:00:00+01:00", "reassign", "anna", "bela", "--yes")
    result = run(english, "history", "--limit", "1")
    assert result.output.splitlines() == [
        f"Dec 4, 2026, 10:00:00{NNBSP}AM · Nagy Anna · pandai: reassign anna -> bela",
        "  nagy-eva: owner: anna → bela",
        "  toth-adam: owner: anna → bela"]


def test_nothing_found(english: Path) -> None:
    result = run(english, "history", "--since", "today")
    assert result.exit_code == 0
    assert result.output == "No changes found.\n"


def test_invalid_since(english: Path) -> None:
    result = run(english, "history", "--since", "soon")
    assert result.exit_code == 4
    assert "Invalid --since 'soon'" in result.output


def test_without_git(workspace: Path) -> None:
    shutil.rmtree(workspace / ".git")
    result = run(workspace, "history")
    assert result.exit_code == 1
    assert "is not a git repository" in result.output
    assert "Traceback" not in result.output


def test_repository_without_commits(workspace: Path) -> None:
    shutil.rmtree(workspace / ".git")
    git(workspace, "init", "-q")
    result = run(workspace, "history")
    assert result.exit_code == 0, result.output
    assert result.output == "No changes found.\n"


# A long history

def fast_import(ws: Path, commits: int, clients: int) -> None:
    """Append ``commits`` commits to ``ws`` through git fast-import, one client file each.

    Commit i sets client c-(i % clients) to value i; they are an hour apart and end on
    2026-12-03 at 23:00 UTC.
    """
    end = 1796338800  # 2026-12-03T23:00:00Z
    chunks = []
    for number in range(commits):
        stamp = end - (commits - 1 - number) * 3600
        client = f"c-{number % clients:02d}"
        content = (f"name: Client {number % clients}\nemail: c{number % clients}@pelda.hu\n"
                   f"status: New lead\nowner: anna\nvalue: {number}\n").encode()
        message = f"Set {client} to {number}".encode()
        chunks.append(b"commit refs/heads/main\n")
        chunks.append(f"author Nagy Anna <anna@pelda.hu> {stamp} +0000\n".encode())
        chunks.append(f"committer Nagy Anna <anna@pelda.hu> {stamp} +0000\n".encode())
        chunks.append(b"data %d\n%s\n" % (len(message), message))
        if number == 0:
            chunks.append(b"from refs/heads/main^0\n")
        chunks.append(f"M 100644 inline clients/{client}.yaml\n".encode())
        chunks.append(b"data %d\n%s\n" % (len(content), content))
    subprocess.run(["git", "-C", str(ws), "fast-import", "--quiet"], input=b"".join(chunks),
                   check=True, capture_output=True)
    git(ws, "reset", "-q", "--hard")


def test_long_history(workspace: Path) -> None:
    fast_import(workspace, 2000, 50)
    assert commit_count(workspace) == 2002

    # git reads the --since day in local time, and the commits are stamped in UTC.
    week = json.loads(run(workspace, "history", "--since", "7d", "--format", "json",
                          env={"TZ": "UTC"}).output)
    assert len(week) == 7 * 24
    assert week[0]["subject"] == "Set c-49 to 1999"
    assert week[0]["changes"] == [{"field": "value", "from": 1949, "to": 1999}]

    client = run(workspace, "history", "c-07")
    assert client.exit_code == 0, client.output
    lines = client.output.splitlines()
    assert lines[1] == "  value: HUF1,907 → HUF1,957"
    assert lines[-1] == "  created"
    assert client.output.count("Set c-07 to") == 40
