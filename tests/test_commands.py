"""The everyday commands as a user runs them: init, add, show, edit, status, note, view.

Every test that changes a workspace checks afterwards that git has nothing uncommitted and
that the expected number of commits was made: pandai makes one commit per change.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pandai
from conftest import (commit_all, commit_count, git, last_commit_message, run, snapshot,
                      uncommitted)
from pandai import yamlio

B2B_EN = ["New lead", "Contacting", "Offer sent", "Client (won)", "Lost", "Inactive"]
B2B_HU = ["Új lead", "Kapcsolatfelvétel alatt", "Ajánlat elküldve", "Ügyfél (megnyert)",
          "Elvesztett", "Inaktív"]
SERVICE_EN = ["Enquiry", "Consultation booked", "Quote in progress", "Active client",
              "Cancelled"]
SERVICE_HU = ["Érdeklődő", "Konzultáció egyeztetve", "Árajánlat készül", "Aktív ügyfél",
              "Lemondott"]
KISS_PETER = ("name: Kiss Péter\n"
              "email: peter.kiss@pelda.hu\n"
              "phone: \"+36301234567\"\n"
              "status: New lead\n"
              "owner: anna\n"
              "created: 2026-12-04\n"
              "status_history:\n"
              "- {at: 2026-12-04, by: anna, to: New lead}\n")


def read(ws: Path, client_id: str) -> dict:
    """Return a client file's raw data, every scalar as text."""
    path = ws / "clients" / f"{client_id}.yaml"
    return yamlio.parse(path.read_text(encoding="utf-8"), path)


def file_text(ws: Path, client_id: str) -> str:
    return (ws / "clients" / f"{client_id}.yaml").read_text(encoding="utf-8")


@pytest.fixture
def kiss(workspace: Path) -> Path:
    """The workspace with one client, kiss-peter, added by ``pandai add``: three commits."""
    result = run(workspace, "add", "Kiss Péter", "--email", "peter.kiss@pelda.hu", "--phone",
                 "06301234567")
    assert result.exit_code == 0, result.stderr
    return workspace


# init


@pytest.mark.parametrize("preset, lang, statuses", [
    ("b2b", "en", B2B_EN),
    ("b2b", "hu", B2B_HU),
    ("service", "en", SERVICE_EN),
    ("service", "hu", SERVICE_HU),
])
def test_init_presets(tmp_path, preset, lang, statuses):
    target = tmp_path / "crm"

    result = run(None, "init", target, "--preset", preset, "--lang", lang)
    settings = yamlio.parse((target / "pandai.yaml").read_text(encoding="utf-8"), target)
    status_file = yamlio.parse((target / "statuses.yaml").read_text(encoding="utf-8"), target)

    assert result.exit_code == 0
    assert result.stdout == (f"Created a Pandai workspace in {target}.\n"
                             "Next: pandai team add ID --name NAME --email EMAIL, then "
                             "pandai add NAME.\n")
    assert [status["name"] for status in status_file["statuses"]] == statuses
    assert all(status["color"] and status["emoji"] for status in status_file["statuses"])
    stages = [status["stage"] for status in status_file["statuses"]]
    assert stages.count("won") == 1
    assert stages.count("lost") == 1
    assert settings["language"] == lang
    assert ".pandai/" in (target / ".gitignore").read_text().splitlines()
    assert "*.yaml text eol=lf" in (target / ".gitattributes").read_text().splitlines()
    assert (target / "views.yaml").is_file()
    assert commit_count(target) == 1
    assert last_commit_message(target) == "pandai: init workspace"
    assert uncommitted(target) == ""


def test_init_default_language_hu(tmp_path):
    target = tmp_path / "crm"

    result = run(None, "init", target)
    settings = yamlio.parse((target / "pandai.yaml").read_text(encoding="utf-8"), target)

    assert result.exit_code == 0
    assert settings["language"] == "hu"
    assert "Új lead" in (target / "statuses.yaml").read_text(encoding="utf-8")


def test_init_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    result = run(None, "init", "--lang", "en")

    assert result.exit_code == 0
    assert (tmp_path / "pandai.yaml").is_file()
    assert commit_count(tmp_path) == 1


def test_init_existing_workspace(workspace):
    before = snapshot(workspace)

    result = run(None, "init", workspace)

    assert result.exit_code == 4
    assert result.stderr == f"Error: {workspace} is already a Pandai workspace.\n"
    assert snapshot(workspace) == before
    assert commit_count(workspace) == 2


# Finding the workspace


def test_workspace_from_option(kiss):
    assert run(kiss, "list", "--format", "ids").stdout == "kiss-peter\n"


def test_workspace_from_environment(kiss):
    result = run(None, "list", "--format", "ids", env={"PANDAI_WORKSPACE": str(kiss)})

    assert result.stdout == "kiss-peter\n"


def test_workspace_found_upwards(kiss, monkeypatch):
    subfolder = kiss / "files" / "kiss-peter"
    subfolder.mkdir(parents=True)
    monkeypatch.chdir(subfolder)

    result = run(None, "list", "--format", "ids")

    assert result.exit_code == 0
    assert result.stdout == "kiss-peter\n"


def test_option_beats_environment(kiss, tmp_path):
    result = run(kiss, "list", "--format", "ids", env={"PANDAI_WORKSPACE": str(tmp_path)})

    assert result.stdout == "kiss-peter\n"


def test_outside_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    result = run(None, "list")

    assert result.exit_code == 3
    assert result.stderr == (f"Error: Not inside a Pandai workspace: no pandai.yaml in "
                             f"{tmp_path.resolve()} or any folder above it. Create one with "
                             "'pandai init', or point to one with --workspace or "
                             "PANDAI_WORKSPACE.\n")


def test_wrong_workspace_option(tmp_path):
    result = run(tmp_path / "nowhere", "list")

    assert result.exit_code == 3
    assert result.stderr == (f"Error: {tmp_path / 'nowhere'} is not a Pandai workspace (it "
                             f"has no pandai.yaml). Create one with 'pandai init "
                             f"{tmp_path / 'nowhere'}'.\n")


# add


def test_add_defaults(workspace):
    result = run(workspace, "add", "Kiss Péter", "--email", "Peter.Kiss@Pelda.HU", "--phone",
                 "06 30 123 4567")

    assert result.exit_code == 0
    assert result.stdout == "Added kiss-peter.\n"
    assert file_text(workspace, "kiss-peter") == KISS_PETER
    assert last_commit_message(workspace) == "pandai: add kiss-peter"
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_add_every_option(workspace):
    result = run(workspace, "add", "Kiss Péter", "--company", "Példa Kft.", "--email",
                 "peter@pelda.hu", "--phone", "+36 20 689 7735", "--status", "offer SENT",
                 "--owner", "Anna", "--source", "website", "--value", "1 500 000 Ft",
                 "--next", "2026. 12. 05.", "--tag", "vip", "--tag", "partner", "--note",
                 "Ajánlatot kér.")
    data = read(workspace, "kiss-peter")

    assert result.exit_code == 0
    assert list(data) == ["name", "company", "email", "phone", "status", "owner", "source",
                          "value", "next_action", "created", "tags", "notes",
                          "status_history"]
    assert data["phone"] == "+36206897735"
    assert data["status"] == "Offer sent"
    assert data["owner"] == "anna"
    assert data["source"] == "Website"
    assert data["value"] == "1500000"
    assert data["next_action"] == "2026-12-05"
    assert data["tags"] == ["vip", "partner"]
    assert data["notes"][0]["text"] == "Ajánlatot kér."
    assert data["notes"][0]["kind"] == "note"
    assert data["status_history"] == [{"at": "2026-12-04", "by": "anna", "to": "Offer sent"}]
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


@pytest.mark.parametrize("name, expected", [
    ("Kiss Péter", "kiss-peter"),
    ("Őri Űrsula", "ori-ursula"),
    ("Farkas-Tóth Eszter", "farkas-toth-eszter"),
    ("Árvíztűrő Tükörfúrógép Kft.", "arvizturo-tukorfurogep-kft"),
    ("  Nagy   Ede  ", "nagy-ede"),
    ("Ügyfél #1 / Győr", "ugyfel-1-gyor"),
])
def test_add_slug_id(workspace, name, expected):
    result = run(workspace, "add", name)

    assert result.stdout == f"Added {expected}.\n"
    assert (workspace / "clients" / f"{expected}.yaml").is_file()
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_add_second_same_name(workspace):
    run(workspace, "add", "Kiss Péter", "--company", "Bükki Faipari Kft.")

    result = run(workspace, "add", "Kiss Péter", "--company", "Tiszaparti Pékség Bt.")

    assert result.stdout == "Added kiss-peter-2.\n"
    assert read(workspace, "kiss-peter-2")["company"] == "Tiszaparti Pékség Bt."
    assert commit_count(workspace) == 4
    assert uncommitted(workspace) == ""


@pytest.mark.parametrize("options, reason", [
    (["--phone", "+36 30 123 4567"], "kiss-peter (same phone)"),
    (["--email", "PETER.KISS@pelda.hu"], "kiss-peter (same e-mail)"),
    ([], "kiss-peter (similar name and company)"),
])
def test_add_duplicate_rejected(kiss, options, reason):
    before = snapshot(kiss)

    result = run(kiss, "add", "Kiss Péter", *options)

    assert result.exit_code == 5
    assert result.stderr == (f"Error: Kiss Péter looks like a client you already have:\n"
                             f"  {reason}\nAdd it anyway with --force, or update the existing "
                             "client with 'pandai edit'.\n")
    assert snapshot(kiss) == before
    assert commit_count(kiss) == 3


def test_add_duplicate_forced(kiss):
    result = run(kiss, "add", "Kiss Péter", "--phone", "06301234567", "--force")

    assert result.exit_code == 0
    assert result.stdout == "Added kiss-peter-2.\n"
    assert read(kiss, "kiss-peter-2")["phone"] == "+36301234567"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_add_duplicate_with_yes(kiss):
    result = run(kiss, "add", "Kiss Péter", "--yes")

    assert result.exit_code == 0
    assert "kiss-peter (similar name and company)" in result.stderr
    assert result.stdout == "Added kiss-peter-2.\n"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_add_mention_warning(workspace):
    result = run(workspace, "add", "Nagy Ede", "--note", "@anna és @zoli nézzétek meg")

    assert result.exit_code == 0
    assert result.stderr == ("Warning: @zoli is not a team member, so nobody will be notified "
                             "of the mention.\n")
    assert read(workspace, "nagy-ede")["notes"][0]["text"] == "@anna és @zoli nézzétek meg"
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


# show


def test_show_text(demo):
    result = run(demo, "show", "kiss-peter")

    assert result.exit_code == 0
    assert result.stdout == (
        "Kiss Péter\n"
        "==========\n"
        "Company:      Bükki Faipari Kft.\n"
        "E-mail:       peter.kiss@bukki-faipari.hu\n"
        "Phone:        06 30 441 8275\n"
        "Status:       📨 Ajánlat elküldve\n"
        "Owner:        anna\n"
        "Source:       Weboldal\n"
        "Value:        HUF1,800,000\n"
        "Last contact: Nov 24, 2026\n"
        "Next action:  Dec 4, 2026\n"
        "Created:      Oct 2, 2026\n"
        "Id:           kiss-peter\n"
        "\n"
        "Notes (4)\n"
        "- Nov 24, 2026, 2:05:00\u202fPM · anna · e-mail\n"
        "    Ajánlat elküldve: 1 800 000 Ft, 30 napos érvényességgel.\n"
        "- Nov 20, 2026, 10:15:00\u202fAM · anna · call\n"
        "    Ajánlatot kér jövő hétre.\n"
        "    @bela küldd át az árlistát.\n"
        "- Oct 8, 2026, 10:20:00\u202fAM · anna · call\n"
        "    Bemutatkozó hívás. Kb. 300 terméket árulnának, házhozszállítással.\n"
        "- Oct 2, 2026, 8:47:00\u202fAM · anna · note\n"
        "    Weboldalas ajánlatkérés: webshopot szeretnének a tömörfa bútoraikhoz.\n"
        "\n"
        "Files\n"
        "- ajanlat-2026-11.pdf\n"
        "\n"
        "Status history\n"
        "- Nov 24, 2026 · anna · Kapcsolatfelvétel alatt → Ajánlat elküldve\n"
        "- Oct 8, 2026 · anna · Új lead → Kapcsolatfelvétel alatt\n"
        "- Oct 2, 2026 · anna · Új lead\n")


def test_show_by_search_term(demo):
    result = run(demo, "show", "pékség")

    assert result.exit_code == 0
    assert result.stdout.startswith("Kiss Péter\n==========\nCompany:      Tiszaparti Pékség")


def test_show_json(kiss):
    result = run(kiss, "show", "kiss-peter", "--format", "json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "id": "kiss-peter", "name": "Kiss Péter", "email": "peter.kiss@pelda.hu",
        "phone": "+36301234567", "status": "New lead", "owner": "anna",
        "created": "2026-12-04",
        "status_history": [{"at": "2026-12-04", "by": "anna", "to": "New lead"}]}


def test_show_ambiguous(demo):
    result = run(demo, "show", "kiss")

    assert result.exit_code == 5
    assert result.stderr == ("Error: 'kiss' matches 2 clients; give one of these ids:\n"
                             "  kiss-peter-2  Kiss Péter\n"
                             "  kiss-peter  Kiss Péter\n")


# edit FIELD=VALUE


def test_edit_hungarian_fields(kiss):
    result = run(kiss, "edit", "kiss-peter", "telefon=06-20/689-7735", "cég=Példa Kft.",
                 "érték=1,5M", "következő_teendő=2026.12.05.", "Forrás=WEBSITE",
                 "címkék=vip, partner")

    assert result.exit_code == 0
    assert result.stdout == "Saved kiss-peter.\n"
    assert file_text(kiss, "kiss-peter") == (
        "name: Kiss Péter\n"
        "company: Példa Kft.\n"
        "email: peter.kiss@pelda.hu\n"
        "phone: \"+36206897735\"\n"
        "status: New lead\n"
        "owner: anna\n"
        "source: Website\n"
        "value: 1500000\n"
        "next_action: 2026-12-05\n"
        "created: 2026-12-04\n"
        "tags: [vip, partner]\n"
        "status_history:\n"
        "- {at: 2026-12-04, by: anna, to: New lead}\n")
    assert last_commit_message(kiss) == "pandai: edit kiss-peter"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_edit_empty_removes(kiss):
    result = run(kiss, "edit", "kiss-peter", "phone=", "e-mail=")

    assert result.exit_code == 0
    assert "phone" not in read(kiss, "kiss-peter")
    assert "email" not in read(kiss, "kiss-peter")
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_edit_status_recorded(kiss):
    run(kiss, "edit", "kiss-peter", "status=Contacting")

    assert read(kiss, "kiss-peter")["status_history"][-1] == {
        "at": "2026-12-04", "by": "anna", "from": "New lead", "to": "Contacting"}
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


@pytest.mark.parametrize("assignment, message", [
    ("email=peter@", "Error: Invalid e-mail 'peter@': not a valid e-mail address"),
    ("phone=12345", "Error: Invalid phone '12345': not a valid phone number for region HU"),
    ("status=Nyert", "Error: Invalid status 'Nyert': unknown status; choose one of: New lead,"),
    ("owner=zoli", "Error: Invalid owner 'zoli': not a team member; choose one of: anna"),
    ("value=sok", "Error: Invalid value 'sok': 'sok' is not an amount"),
    ("next_action=jövőre", "Error: Invalid next action 'jövőre': 'jövőre' is not a date"),
    ("source=Újság", "Error: Invalid source 'Újság': unknown source; choose one of: Website,"),
    ("name=", "Error: The name cannot be empty."),
    ("shoe_size=42", "Error: Unknown field 'shoe_size'. Known fields: name, company,"),
    ("status=Lost", "Error: Marking a client lost needs a reason: use 'pandai status "
                    "kiss-peter \"Lost\" --reason TEXT'."),
])
def test_edit_rejects_invalid(kiss, assignment, message):
    before = snapshot(kiss)

    result = run(kiss, "edit", "kiss-peter", "company=Példa Kft.", assignment)

    assert result.exit_code == 4
    assert result.stderr.startswith(message)
    assert snapshot(kiss) == before
    assert commit_count(kiss) == 3


def test_edit_same_value_no_commit(kiss):
    result = run(kiss, "edit", "kiss-peter", "phone=06 30 123 4567", "email=Peter.Kiss@pelda.hu")

    assert result.exit_code == 0
    assert result.stdout == "Nothing changed.\n"
    assert file_text(kiss, "kiss-peter") == KISS_PETER
    assert commit_count(kiss) == 3
    assert uncommitted(kiss) == ""


# edit in $EDITOR

EDITOR_SCRIPT = '''\
"""A scripted editor: each run applies the next list of replacements and logs what it saw."""
import json
import pathlib
import sys

here = pathlib.Path(__file__).parent
steps = json.loads((here / "steps.json").read_text(encoding="utf-8"))
log_path = here / "seen.json"
seen = json.loads(log_path.read_text(encoding="utf-8")) if log_path.exists() else []
target = pathlib.Path(sys.argv[1])
text = target.read_text(encoding="utf-8")
seen.append(text)
log_path.write_text(json.dumps(seen), encoding="utf-8")
for old, new in steps[len(seen) - 1]:
    text = text.replace(old, new)
target.write_text(text, encoding="utf-8")
'''


def scripted_editor(folder: Path, steps: list[list[tuple[str, str]]]) -> tuple[str, Path]:
    """Write the scripted editor; return the EDITOR command and the log of texts it saw."""
    folder.mkdir()
    (folder / "editor.py").write_text(EDITOR_SCRIPT, encoding="utf-8")
    (folder / "steps.json").write_text(json.dumps(steps), encoding="utf-8")
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(folder / 'editor.py'))}"
    return command, folder / "seen.json"


def test_editor_saves_change(kiss, tmp_path):
    editor, seen = scripted_editor(tmp_path / "editor", [[
        ("status: New lead", "status: Contacting"),
        ("email: peter.kiss@pelda.hu", "email: Peter.Kiss@Pelda.HU\ncompany: Példa Kft.")]])

    result = run(kiss, "edit", "kiss-peter", env={"EDITOR": editor})

    assert result.exit_code == 0
    assert result.stdout == "Saved kiss-peter.\n"
    assert json.loads(seen.read_text()) == [KISS_PETER]
    assert file_text(kiss, "kiss-peter") == (
        "name: Kiss Péter\n"
        "company: Példa Kft.\n"
        "email: peter.kiss@pelda.hu\n"
        "phone: \"+36301234567\"\n"
        "status: Contacting\n"
        "owner: anna\n"
        "created: 2026-12-04\n"
        "status_history:\n"
        "- {at: 2026-12-04, by: anna, to: New lead}\n"
        "- {at: 2026-12-04, by: anna, from: New lead, to: Contacting}\n")
    assert last_commit_message(kiss) == "pandai: edit kiss-peter"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_editor_visual_preferred(kiss, tmp_path):
    visual, seen = scripted_editor(tmp_path / "visual", [[("owner: anna", "owner: Anna")]])

    result = run(kiss, "edit", "kiss-peter", env={"VISUAL": visual, "EDITOR": "false"})

    assert result.exit_code == 0
    assert result.stdout == "Nothing changed.\n"
    assert seen.exists()
    assert commit_count(kiss) == 3


def test_editor_unchanged(kiss, tmp_path):
    editor, _seen = scripted_editor(tmp_path / "editor", [[]])

    result = run(kiss, "edit", "kiss-peter", env={"EDITOR": editor})

    assert result.exit_code == 0
    assert result.stdout == "Nothing changed.\n"
    assert commit_count(kiss) == 3
    assert uncommitted(kiss) == ""


@pytest.mark.parametrize("replacement, message", [
    (("email: peter.kiss@pelda.hu", "email: not-an-email"),
     "Error: Invalid e-mail 'not-an-email': not a valid e-mail address"),
    (("name: Kiss Péter", "name: [Kiss Péter"), "invalid YAML"),
    (("status: New lead", "status: Won"), "Error: Invalid status 'Won': unknown status"),
    (("created: 2026-12-04", "created: tegnap"), "Error: created: "),
])
def test_editor_invalid_without_terminal(kiss, tmp_path, replacement, message):
    editor, seen = scripted_editor(tmp_path / "editor", [[replacement]])
    before = snapshot(kiss)

    result = run(kiss, "edit", "kiss-peter", env={"EDITOR": editor})

    assert result.exit_code == 4
    assert message in result.stderr
    assert len(json.loads(seen.read_text())) == 1
    assert snapshot(kiss) == before
    assert [path.name for path in (kiss / ".pandai").iterdir() if path.suffix == ".yaml"] == []
    assert commit_count(kiss) == 3
    assert uncommitted(kiss) == ""


def test_editor_reopens_until_valid(kiss, tmp_path, monkeypatch):
    monkeypatch.setattr("pandai.cli.editor.is_terminal", lambda: True)
    monkeypatch.setattr("pandai.cli.common.is_terminal", lambda: True)
    editor, seen = scripted_editor(tmp_path / "editor", [
        [("email: peter.kiss@pelda.hu", "email: not-an-email")],
        [("email: not-an-email", "email: peter@pelda.hu")]])

    result = run(kiss, "edit", "kiss-peter", env={"EDITOR": editor}, input="y\n")
    texts = json.loads(seen.read_text())

    assert result.exit_code == 0
    assert "Invalid e-mail 'not-an-email'" in result.stderr
    assert "Edit the file again?" in result.stderr
    assert len(texts) == 2
    assert texts[1].startswith("# pandai: Invalid e-mail 'not-an-email'")
    assert read(kiss, "kiss-peter")["email"] == "peter@pelda.hu"
    assert "# pandai" not in file_text(kiss, "kiss-peter")
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_editor_gives_up_on_no(kiss, tmp_path, monkeypatch):
    monkeypatch.setattr("pandai.cli.editor.is_terminal", lambda: True)
    monkeypatch.setattr("pandai.cli.common.is_terminal", lambda: True)
    editor, _seen = scripted_editor(tmp_path / "editor", [
        [("email: peter.kiss@pelda.hu", "email: not-an-email")]])
    before = snapshot(kiss)

    result = run(kiss, "edit", "kiss-peter", env={"EDITOR": editor}, input="n\n")

    assert result.exit_code == 4
    assert snapshot(kiss) == before
    assert commit_count(kiss) == 3


def test_editor_missing(kiss):
    result = run(kiss, "edit", "kiss-peter", env={"EDITOR": "no-such-editor-here"})

    assert result.exit_code == 4
    assert result.stderr.startswith("Error: Cannot start the editor 'no-such-editor-here'")
    assert commit_count(kiss) == 3


# status


def test_status_change(kiss):
    result = run(kiss, "status", "kiss-peter", "offer sent")

    assert result.exit_code == 0
    assert result.stdout == "kiss-peter: status is now Offer sent.\n"
    assert read(kiss, "kiss-peter")["status"] == "Offer sent"
    assert read(kiss, "kiss-peter")["status_history"] == [
        {"at": "2026-12-04", "by": "anna", "to": "New lead"},
        {"at": "2026-12-04", "by": "anna", "from": "New lead", "to": "Offer sent"}]
    assert last_commit_message(kiss) == "pandai: status kiss-peter: New lead -> Offer sent"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_status_same_no_commit(kiss):
    result = run(kiss, "status", "kiss-peter", "New lead")

    assert result.exit_code == 0
    assert result.stdout == "Nothing changed.\n"
    assert commit_count(kiss) == 3


def test_status_lost_needs_reason(kiss):
    before = snapshot(kiss)

    result = run(kiss, "status", "kiss-peter", "Lost")

    assert result.exit_code == 4
    assert result.stderr == "Error: Marking a client lost needs a reason: add --reason TEXT.\n"
    assert snapshot(kiss) == before
    assert commit_count(kiss) == 3


def test_status_lost_with_reason(kiss):
    result = run(kiss, "status", "kiss-peter", "Lost", "--reason", "Túl drága")
    data = read(kiss, "kiss-peter")

    assert result.exit_code == 0
    assert data["status"] == "Lost"
    assert data["status_history"][-1] == {"at": "2026-12-04", "by": "anna", "from": "New lead",
                                          "to": "Lost", "reason": "Túl drága"}
    assert data["notes"][-1]["text"] == "Lost: Túl drága"
    assert data["notes"][-1]["by"] == "anna"
    assert data["next_action"] == "2027-03-04"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_status_reason_on_other_status(kiss):
    run(kiss, "status", "kiss-peter", "Contacting", "--reason", "Visszahívott")

    assert read(kiss, "kiss-peter")["notes"][-1]["text"] == "Visszahívott"
    assert "next_action" not in read(kiss, "kiss-peter")
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_status_lost_prompt_on_terminal(kiss, monkeypatch):
    monkeypatch.setattr("pandai.cli.clients.is_terminal", lambda: True)

    result = run(kiss, "status", "kiss-peter", "Lost", input="Másik céget választott\n")

    assert result.exit_code == 0
    assert read(kiss, "kiss-peter")["status_history"][-1]["reason"] == \
        "Másik céget választott"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


# note and annotate


def test_note_call_next(kiss):
    result = run(kiss, "note", "kiss-peter", "Visszahív jövő héten", "--call", "--next", "+7d")
    data = read(kiss, "kiss-peter")

    assert result.exit_code == 0
    assert result.stdout == "Note added to kiss-peter.\n"
    assert result.stderr == ""
    assert data["last_contact"] == "2026-12-04"
    assert data["next_action"] == "2026-12-11"
    assert data["notes"][-1]["kind"] == "call"
    assert data["notes"][-1]["by"] == "anna"
    assert data["notes"][-1]["text"] == "Visszahív jövő héten"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", data["notes"][-1]["at"])
    assert last_commit_message(kiss) == "pandai: note kiss-peter (call)"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


@pytest.mark.parametrize("option, kind", [("--email", "email"), ("--meeting", "meeting")])
def test_note_interaction_kinds(kiss, option, kind):
    run(kiss, "note", "kiss-peter", "Egyeztettünk", option)

    assert read(kiss, "kiss-peter")["notes"][-1]["kind"] == kind
    assert read(kiss, "kiss-peter")["last_contact"] == "2026-12-04"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_note_plain_keeps_last_contact(kiss):
    run(kiss, "note", "kiss-peter", "Csak egy megjegyzés")

    assert read(kiss, "kiss-peter")["notes"][-1]["kind"] == "note"
    assert "last_contact" not in read(kiss, "kiss-peter")
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_annotate_is_note(kiss):
    result = run(kiss, "annotate", "kiss-peter", "Árlista elküldve", "--next", "holnap")

    assert result.exit_code == 0
    assert result.stdout == "Note added to kiss-peter.\n"
    assert read(kiss, "kiss-peter")["next_action"] == "2026-12-05"
    assert last_commit_message(kiss) == "pandai: note kiss-peter (note)"
    assert commit_count(kiss) == 4


def test_note_mentions_verbatim(kiss):
    text = "@anna kérlek hívd vissza, @zoli is tudjon róla.\nMásodik sor: e-mail a@b.hu"

    result = run(kiss, "note", "kiss-peter", text)

    assert result.exit_code == 0
    assert read(kiss, "kiss-peter")["notes"][-1]["text"] == text
    assert result.stderr == ("Warning: @zoli is not a team member, so nobody will be notified "
                             "of the mention.\n")
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_note_several_kinds_rejected(kiss):
    result = run(kiss, "note", "kiss-peter", "x", "--call", "--email")

    assert result.exit_code == 4
    assert result.stderr == "Error: Choose one of --call, --email and --meeting.\n"
    assert commit_count(kiss) == 3


def test_note_by_search_term(kiss):
    result = run(kiss, "note", "pelda.hu", "Megtalálta e-mail alapján")

    assert result.stdout == "Note added to kiss-peter.\n"
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


# view


def test_view_list(workspace):
    result = run(workspace, "view", "list")

    assert result.exit_code == 0
    assert result.stdout == (
        "View        Title                                   Filters\n"
        "----------  --------------------------------------  "
        "---------------------------------\n"
        "mine        My open clients                         owner=@me stage=open\n"
        "today       Due today and overdue                   next_action<=today "
        "stage=open,won\n"
        "new-leads   New leads                               status=New lead\n"
        "stale       Open clients not contacted for 30 days  stage=open last_contact<-30d\n"
        "vip         High-value clients                      value>=5M\n"
        "followup    Next actions in the coming 7 days       stage=open next_action<=+7d\n"
        "lost-retry  Lost clients due for another try        stage=lost "
        "next_action<=today\n")


def test_view_save_show_use(kiss):
    saved = run(kiss, "view", "save", "hot", "value>=1M", "stage=open", "--title", "Hot deals",
                "--sort", "-value", "--columns", "name,value")
    run(kiss, "edit", "kiss-peter", "value=2M")
    shown = run(kiss, "view", "show", "hot")
    listed = run(kiss, "list", "--view", "hot")

    assert saved.exit_code == 0
    assert saved.stdout == "Saved view hot.\n"
    assert shown.stdout == ("hot: Hot deals\nFilters: value>=1M stage=open\nSort: -value\n"
                            "Columns: name, value\n")
    assert listed.stdout == ("Hot deals\n"
                             "Name        Value\n"
                             "----------  ------------\n"
                             "Kiss Péter  HUF2,000,000\n"
                             "1 client\n")
    assert git(kiss, "log", "-2", "--format=%s").splitlines() == [
        "pandai: edit kiss-peter", "pandai: view save hot"]
    assert commit_count(kiss) == 5
    assert uncommitted(kiss) == ""


def test_view_save_existing_needs_yes(workspace):
    before = snapshot(workspace)

    result = run(workspace, "view", "save", "vip", "value>=10M")

    assert result.exit_code == 7
    assert result.stderr == ("Error: A view called 'vip' exists. Replace it? Nothing was "
                             "changed: there is no terminal to ask on. Add --yes to confirm.\n")
    assert snapshot(workspace) == before
    assert commit_count(workspace) == 2


def test_view_save_replaces_with_yes(workspace):
    result = run(workspace, "view", "save", "vip", "value>=10M", "--yes")
    shown = run(workspace, "view", "show", "vip")

    assert result.exit_code == 0
    assert shown.stdout == "vip: vip\nFilters: value>=10M\nSort: -\nColumns: -\n"
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_view_delete_needs_yes(workspace):
    before = snapshot(workspace)

    result = run(workspace, "view", "delete", "stale")

    assert result.exit_code == 7
    assert result.stderr == ("Error: Delete the view 'stale'? Nothing was changed: there is no "
                             "terminal to ask on. Add --yes to confirm.\n")
    assert snapshot(workspace) == before


def test_view_delete_with_yes(workspace):
    result = run(workspace, "view", "delete", "stale", "--yes")
    names = [view["name"] for view in json.loads(run(workspace, "view", "list", "--format",
                                                       "json").stdout)]

    assert result.stdout == "Deleted view stale.\n"
    assert names == ["mine", "today", "new-leads", "vip", "followup", "lost-retry"]
    assert last_commit_message(workspace) == "pandai: view delete stale"
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


# team


def test_team_add(workspace):
    result = run(workspace, "team", "add", "bela", "--name", "Kovács Béla", "--email",
                 "Bela@Pelda.hu")
    listed = run(workspace, "team", "list", "--format", "json")

    assert result.stdout == "Added team member bela.\n"
    assert json.loads(listed.stdout) == [
        {"id": "anna", "name": "Nagy Anna", "email": "anna@pelda.hu"},
        {"id": "bela", "name": "Kovács Béla", "email": "bela@pelda.hu"}]
    assert last_commit_message(workspace) == "pandai: team add bela"
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_team_add_keeps_settings_text(demo):
    settings = demo / "pandai.yaml"
    before = settings.read_text(encoding="utf-8")

    run(demo, "team", "add", "dani", "--name", "Tóth Dániel")
    after = settings.read_text(encoding="utf-8")

    assert after.startswith(before.split("team:")[0])
    assert "  lost_retry_months: 3\n" in after
    assert "columns: [name, company, status, owner, next_action, value]\n" in after


# git


@pytest.mark.parametrize("command, message", [
    (["add", "Nagy Ede"], "pandai: add nagy-ede"),
    (["edit", "kiss-peter", "company=Példa Kft."], "pandai: edit kiss-peter"),
    (["status", "kiss-peter", "Offer sent"], "pandai: status kiss-peter: New lead -> Offer sent"),
    (["note", "kiss-peter", "Hívás", "--call"], "pandai: note kiss-peter (call)"),
    (["annotate", "kiss-peter", "Jegyzet"], "pandai: note kiss-peter (note)"),
    (["team", "add", "bela", "--name", "Kovács Béla"], "pandai: team add bela"),
    (["view", "save", "hot", "value>=1M"], "pandai: view save hot"),
    (["view", "delete", "vip", "--yes"], "pandai: view delete vip"),
])
def test_one_commit_per_change(kiss, command, message):
    result = run(kiss, *command)

    assert result.exit_code == 0
    assert last_commit_message(kiss) == message
    assert commit_count(kiss) == 4
    assert uncommitted(kiss) == ""


def test_commit_touches_only_its_file(kiss):
    (kiss / "notes.txt").write_text("a file of the user's\n")

    run(kiss, "note", "kiss-peter", "Hívás", "--call")

    assert git(kiss, "show", "--name-only", "--format=", "HEAD").split() == [
        "clients/kiss-peter.yaml"]
    assert uncommitted(kiss) == "?? notes.txt\n"


def test_commit_author_is_user(kiss):
    assert git(kiss, "log", "-1", "--format=%an <%ae>").strip() == "Nagy Anna <anna@pelda.hu>"


def test_without_git_one_warning(workspace):
    shutil.rmtree(workspace / ".git")

    added = run(workspace, "add", "Nagy Ede")
    noted = run(workspace, "note", "nagy-ede", "Hívás", "--call")

    assert added.exit_code == 0
    assert added.stdout == "Added nagy-ede.\n"
    assert added.stderr == ("Warning: This workspace is not a git repository, so the change "
                            f"has no history. Run 'git init' in {workspace} to turn history "
                            "on.\n")
    assert noted.exit_code == 0
    assert noted.stderr.count("not a git repository") == 1
    assert read(workspace, "nagy-ede")["last_contact"] == "2026-12-04"


def test_without_git_reading_is_quiet(workspace):
    run(workspace, "add", "Nagy Ede")
    shutil.rmtree(workspace / ".git")

    result = run(workspace, "list", "--format", "ids")

    assert result.stdout == "nagy-ede\n"
    assert result.stderr == ""


def test_auto_commit_off(workspace):
    settings = workspace / "pandai.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(re.sub(r"auto_commit: .*", "auto_commit: false", text), encoding="utf-8")
    commit_all(workspace, "Turn automatic commits off")

    result = run(workspace, "add", "Nagy Ede")

    assert result.exit_code == 0
    assert "auto_commit is off" in result.stderr
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == "?? clients/\n"


# The installed command, run for real


def pandai_command() -> list[str]:
    installed = Path(sys.executable).parent / "pandai"
    if installed.exists():
        return [str(installed)]
    found = shutil.which("pandai")
    return [found] if found else [sys.executable, "-m", "pandai"]


def test_version_subprocess():
    result = subprocess.run([*pandai_command(), "--version"], capture_output=True, text=True,
                            check=False)

    assert result.returncode == 0
    assert result.stdout == f"pandai {pandai.__version__}\n"


def test_module_help_subprocess():
    result = subprocess.run([sys.executable, "-m", "pandai", "--help"], capture_output=True,
                            text=True, check=False)

    assert result.returncode == 0
    assert result.stdout.startswith("Usage: pandai [OPTIONS] COMMAND [ARGS]...\n")
    assert "  list " in result.stdout
    assert result.stderr == ""


def test_add_subprocess(workspace):
    result = subprocess.run([*pandai_command(), "-w", str(workspace), "add", "Tóth Ákos",
                             "--phone", "06 70 123 4567"], capture_output=True, text=True,
                            check=False)

    assert result.returncode == 0
    assert result.stdout == "Added toth-akos.\n"
    assert read(workspace, "toth-akos")["phone"] == "+36701234567"
    assert last_commit_message(workspace) == "pandai: add toth-akos"
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_usage_error_subprocess(workspace):
    result = subprocess.run([*pandai_command(), "-w", str(workspace), "list", "--no-such"],
                            capture_output=True, text=True, check=False)

    assert result.returncode == 2
    assert "Error: No such option" in result.stderr
    assert "--no-such" in result.stderr
    assert "Internal error" not in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_copy_keeps_settings_types(tmp_path):
    result = run(None, "init", "--demo", tmp_path / "copy")
    assert result.exit_code == 0, result.output
    settings = (tmp_path / "copy" / "pandai.yaml").read_text(encoding="utf-8")
    assert "auto_commit: true\n" in settings
    assert "demo_anchor" not in settings
    assert "  lost_retry_months: 3\n" in settings
    assert not settings.startswith("#")
