"""Tests of ``pandai doctor``: one client file for each problem, the demo, and the git hook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import commit_all, commit_count, git, run, uncommitted

from pandai.i18n import _, activate

# A client with no problem at all on 2026-12-04; each fixture client changes one key of it.
BASE = {
    "name": None,
    "email": None,
    "status": "New lead",
    "owner": "anna",
    "last_contact": "2026-12-01",
    "next_action": "2026-12-10",
    "created": "2026-11-01",
}
NOTE = ("notes:\n- at: 2026-12-01T10:00:00+01:00\n  by: anna\n  kind: call\n"
        "  text: First call.\n")


def client_text(client_id: str, notes: bool = True, extra: str = "", **changes: str | None
                ) -> str:
    """Return the YAML of a clean client called after its id, with keys changed or removed."""
    values = dict(BASE, name=client_id.replace("-", " ").title(),
                  email=f"{client_id}@pelda.hu")
    values.update(changes)
    lines = [f"{key}: {value}" for key, value in values.items() if value is not None]
    return "\n".join(lines) + "\n" + extra + (NOTE if notes else "")


def write_heartbeat(ws: Path, age: timedelta) -> None:
    """Record a reminder run ``age`` ago in the workspace's per-machine state."""
    (ws / ".pandai").mkdir(exist_ok=True)
    moment = datetime.now().astimezone() - age
    (ws / ".pandai" / "remind-heartbeat").write_text(moment.isoformat() + "\n", encoding="utf-8")


@pytest.fixture
def sick(workspace: Path) -> Path:
    """A workspace with one client file for each problem doctor finds, all committed."""
    assert run(workspace, "team", "add", "bela", "--name", "Kovács Béla").exit_code == 0
    files = {
        "good": client_text("good"),
        "broken": client_text("broken").replace("status: New lead", "status: [New lead"),
        "merged": "<<<<<<< HEAD\n" + client_text("merged") + "=======\n>>>>>>> other\n",
        "bad-value": client_text("bad-value", extra="value: sok\n"),
        "unknown-status": client_text("unknown-status", status="Maybe"),
        "unknown-owner": client_text("unknown-owner", owner="zoli"),
        "bad-email": client_text("bad-email", email="bad-email.pelda.hu"),
        "bad-phone": client_text("bad-phone", extra='phone: "123"\n'),
        "raw-phone": client_text("raw-phone", extra='phone: "06 30 123 4567"\n'),
        "dup-a": client_text("dup-a"),
        "dup-b": client_text("dup-b", email="dup-a@pelda.hu"),
        "incomplete": client_text("incomplete", email=None),
        "no-owner": client_text("no-owner", owner=None),
        "stale": client_text("stale", last_contact="2026-10-20"),
        "forgotten": client_text("forgotten", last_contact="2026-08-01"),
        "no-notes": client_text("no-notes", notes=False),
        "overdue": client_text("overdue", next_action="2026-11-30"),
        "lost": client_text("lost", notes=False, status="Lost", next_action=None,
                            extra="status_history:\n- {at: 2026-11-15, by: anna, to: Lost}\n"),
        "missing-file": client_text("missing-file", extra="files: [offer.pdf]\n"),
    }
    for client_id, text in files.items():
        (workspace / "clients" / f"{client_id}.yaml").write_text(text, encoding="utf-8")
    commit_all(workspace, "Add the sick clients")
    write_heartbeat(workspace, timedelta(hours=3))
    return workspace


EXPECTED = [
    "clients/bad-email.yaml:2: error: Invalid e-mail 'bad-email.pelda.hu': not a valid e-mail "
    "address (the @ sign is missing)",
    "clients/bad-phone.yaml:8: error: Invalid phone '123': not a valid phone number for "
    "region HU",
    "clients/bad-value.yaml:8: error: invalid value 'sok': 'sok' is not an amount: write "
    "1500000, 1 500 000 Ft, 1.500.000 or 1,5M",
    # PyYAML words this reason differently with and without libyaml, so only its start and
    # end are compared.
    "clients/broken.yaml:4: error: invalid YAML: ",
    "clients/merged.yaml:1: error: unresolved git merge: the file contains conflict markers. "
    "Edit it to keep the right lines, then run the command again.",
    "clients/unknown-owner.yaml:4: error: owner 'zoli' is not a team member: hand the client "
    "over with 'pandai reassign zoli NEW_OWNER', or add the member with 'pandai team add "
    "zoli'.",
    "clients/unknown-status.yaml:3: error: unknown status 'Maybe': statuses.yaml lists New "
    "lead, Contacting, Offer sent, Client (won), Lost, Inactive.",
    "clients/dup-b.yaml:2: warning: possible duplicate of dup-a (same e-mail).",
    "clients/forgotten.yaml:5: warning: no contact for 125 days (last Aug 1, 2026), longer "
    "than the 90 days after which a client counts as inactive.",
    "clients/incomplete.yaml:1: warning: incomplete: no e-mail and no phone.",
    "clients/lost.yaml:3: warning: lost without a reason: record it with 'pandai note lost "
    "TEXT'.",
    "clients/missing-file.yaml:8: warning: attachment 'offer.pdf' is listed in files but "
    "missing from files/missing-file.",
    "clients/no-owner.yaml:1: warning: no owner: set one with 'pandai edit no-owner "
    "owner=ID'.",
    "clients/overdue.yaml:6: warning: next action Nov 30, 2026 is overdue by 4 days.",
    "clients/raw-phone.yaml:8: warning: Phone '06 30 123 4567' is not normalised: write "
    "'+36301234567'.",
    "clients/no-notes.yaml:1: info: open client with no notes.",
    "clients/stale.yaml:5: info: no contact for 45 days (last Oct 20, 2026), longer than the "
    "30 days after which a client counts as stale.",
    "7 errors, 8 warnings, 2 info in 19 client files.",
]


def check_lines(lines: list[str], expected: list[str]) -> None:
    """Compare doctor's output with ``expected``; the invalid YAML line by its start and end."""
    assert len(lines) == len(expected)
    for line, expected_line in zip(lines, expected):
        if expected_line.endswith("invalid YAML: "):
            assert line.startswith(expected_line)
            assert line.endswith(". Fix the file by hand or restore it with git.")
        else:
            assert line == expected_line


def test_each_problem(sick: Path) -> None:
    result = run(sick, "doctor")
    assert result.exit_code == 9
    check_lines(result.output.splitlines(), EXPECTED)


def test_errors_only(sick: Path) -> None:
    result = run(sick, "doctor", "--errors-only")
    assert result.exit_code == 9
    check_lines(result.output.splitlines(),
                [*EXPECTED[:7], "7 errors in 19 client files."])


def test_json(sick: Path) -> None:
    result = run(sick, "doctor", "--format", "json")
    assert result.exit_code == 9
    report = json.loads(result.output)
    assert report["clients"] == 19
    assert report["summary"] == {"error": 7, "warning": 8, "info": 2}
    assert report["problems"][0] == {
        "path": "clients/bad-email.yaml", "line": 2, "severity": "error",
        "code": "invalid_email", "client": "bad-email",
        "message": "Invalid e-mail 'bad-email.pelda.hu': not a valid e-mail address (the @ "
                   "sign is missing)"}
    codes = [problem["code"] for problem in report["problems"]]
    assert codes == ["invalid_email", "invalid_phone", "invalid_value", "unreadable",
                     "merge_conflict", "unknown_owner", "unknown_status", "duplicate",
                     "inactive", "incomplete", "lost_without_reason", "missing_attachment",
                     "no_owner", "overdue", "phone_not_normalised", "no_notes", "stale"]


def test_leftover_temporary_files(sick: Path) -> None:
    # An import killed before its journal leaves hidden temporary files behind.
    for number in range(3):
        (sick / "clients" / f".import-{number}.yaml.0a1b2c.tmp").write_text("name: Half\n")
    (sick / ".pandai").mkdir(exist_ok=True)
    (sick / ".pandai" / "staging").mkdir(exist_ok=True)

    result = run(sick, "doctor")

    assert ("clients:1: warning: 3 temporary files were left by an interrupted pandai command; "
            "the next command that changes data removes them.") in result.output.splitlines()
    assert (sick / "clients" / ".import-0.yaml.0a1b2c.tmp").exists()


def test_changes_nothing(sick: Path) -> None:
    before = commit_count(sick)
    run(sick, "doctor")
    assert commit_count(sick) == before
    assert uncommitted(sick) == ""


def test_lost_reason_counts(sick: Path) -> None:
    result = run(sick, "status", "overdue", "Lost", "--reason", "Chose a competitor")
    assert result.exit_code == 0, result.output
    lines = run(sick, "doctor").output.splitlines()
    assert not any(line.startswith("clients/overdue.yaml") for line in lines)


def test_archived_file_checked(sick: Path) -> None:
    (sick / "archive").mkdir()
    shutil.move(sick / "clients" / "unknown-status.yaml", sick / "archive")
    lines = run(sick, "doctor").output.splitlines()
    assert "archive/unknown-status.yaml:3: error: unknown status 'Maybe': statuses.yaml " \
           "lists New lead, Contacting, Offer sent, Client (won), Lost, Inactive." in lines


def test_unreadable_statuses(sick: Path) -> None:
    (sick / "statuses.yaml").write_text("statuses: [\n", encoding="utf-8")
    result = run(sick, "doctor")
    assert result.exit_code == 9
    assert any(line.startswith("statuses.yaml:2: error: invalid YAML")
               for line in result.output.splitlines())
    assert "Traceback" not in result.output


def test_unreadable_duplicates_file(sick: Path) -> None:
    (sick / "duplicates.yaml").write_text("not_duplicates: [dup-a, dup-b]\n", encoding="utf-8")
    result = run(sick, "doctor", "--errors-only")
    assert result.exit_code == 9
    assert "duplicates.yaml:1: error: not_duplicates must be a list of id pairs, such as " \
           "'- [kiss-peter, kiss-peter-2]'. Fix the file by hand." in result.output.splitlines()


def test_hungarian(sick: Path) -> None:
    result = run(sick, "doctor", lang="hu")
    activate("hu")
    error = _("error")
    activate("en")
    assert result.exit_code == 9
    assert result.output.splitlines()[4].startswith(f"clients/merged.yaml:1: {error}: ")


# Reminders

def test_reminders_late(workspace: Path) -> None:
    write_heartbeat(workspace, timedelta(days=5, minutes=10))
    result = run(workspace, "doctor")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        ".pandai/remind-heartbeat:1: warning: reminders last ran 5 days ago: check cron, or "
        "set it up with 'pandai remind --cron'.")


def test_reminders_never_ran(workspace: Path) -> None:
    result = run(workspace, "doctor")
    assert result.output.splitlines()[0] == (
        ".pandai/remind-heartbeat:1: info: reminders have never run on this machine: set up "
        "cron with 'pandai remind --cron'.")


# Clean workspaces and the demo

def test_clean_workspace(workspace: Path) -> None:
    write_heartbeat(workspace, timedelta(hours=1))
    (workspace / "clients" / "good.yaml").write_text(client_text("good"), encoding="utf-8")
    result = run(workspace, "doctor")
    assert result.exit_code == 0
    assert result.output == "0 errors, 0 warnings, 0 info in 1 client file.\n"


def test_demo(demo: Path) -> None:
    write_heartbeat(demo, timedelta(hours=1))
    result = run(demo, "doctor")
    lines = result.output.splitlines()
    assert result.exit_code == 0, result.output
    assert lines[-1].startswith("0 errors, ")
    assert lines[-1].endswith(" in 45 client files.")
    files_line = (demo / "clients" / "kiss-peter.yaml").read_text().splitlines().index(
        "files: [ajanlat-2026-11.pdf]") + 1
    assert f"clients/kiss-peter.yaml:{files_line}: warning: attachment 'ajanlat-2026-11.pdf' " \
           "is listed in files but missing from files/kiss-peter." in lines
    assert "clients/bogdan-petra.yaml:1: warning: no owner: set one with 'pandai edit " \
           "bogdan-petra owner=ID'." in lines


# The pre-commit hook

def hand_commit(ws: Path, message: str) -> subprocess.CompletedProcess[str]:
    """Stage everything and run ``git commit`` as a person would, hooks included."""
    git(ws, "add", "-A")
    return subprocess.run(["git", "-C", str(ws), "commit", "-q", "-m", message],
                          capture_output=True, text=True, check=False)


def test_hook_install(workspace: Path) -> None:
    result = run(workspace, "doctor", "--install-hook")
    hook = workspace / ".git" / "hooks" / "pre-commit"
    assert result.exit_code == 0, result.output
    assert result.output == (f"Installed the pre-commit hook {hook}: a commit is refused while "
                             "'pandai doctor' finds errors.\n")
    assert os.access(hook, os.X_OK)
    assert "doctor --errors-only" in hook.read_text()


def test_hook_install_again(workspace: Path) -> None:
    run(workspace, "doctor", "--install-hook")
    result = run(workspace, "doctor", "--install-hook")
    assert result.exit_code == 0
    assert result.output.endswith("is already installed.\n")


def test_hook_keeps_other_hook(workspace: Path) -> None:
    hook = workspace / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nmake lint\n")
    result = run(workspace, "doctor", "--install-hook")
    assert result.exit_code == 4
    assert "already contains a different pre-commit hook" in result.output
    assert hook.read_text() == "#!/bin/sh\nmake lint\n"


def test_hook_force(workspace: Path) -> None:
    hook = workspace / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nmake lint\n")
    result = run(workspace, "doctor", "--install-hook", "--force")
    assert result.exit_code == 0, result.output
    assert "kept as" in result.output
    assert (hook.parent / "pre-commit.bak").read_text() == "#!/bin/sh\nmake lint\n"
    assert "doctor --errors-only" in hook.read_text()


def test_hook_without_git(workspace: Path) -> None:
    shutil.rmtree(workspace / ".git")
    result = run(workspace, "doctor", "--install-hook")
    assert result.exit_code == 1
    assert "is not a git repository" in result.output


def test_hook_blocks_bad_commit(workspace: Path) -> None:
    assert run(workspace, "doctor", "--install-hook").exit_code == 0
    client = workspace / "clients" / "nagy-eva.yaml"
    client.write_text(client_text("nagy-eva", status="Maybe"), encoding="utf-8")
    before = commit_count(workspace)
    rejected = hand_commit(workspace, "Add Éva")
    assert rejected.returncode != 0
    # git passes a hook's output on to its own standard error.
    assert "clients/nagy-eva.yaml:3: error: unknown status 'Maybe'" in rejected.stderr
    assert commit_count(workspace) == before


def test_hook_allows_good_commit(workspace: Path) -> None:
    assert run(workspace, "doctor", "--install-hook").exit_code == 0
    client = workspace / "clients" / "nagy-eva.yaml"
    client.write_text(client_text("nagy-eva", next_action="2026-11-01"), encoding="utf-8")
    before = commit_count(workspace)
    accepted = hand_commit(workspace, "Add Éva")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert commit_count(workspace) == before + 1
    assert uncommitted(workspace) == ""


def test_marked_pair_not_reported(sick: Path) -> None:
    result = run(sick, "duplicates", "--not", "dup-a", "dup-b")
    assert result.exit_code == 0, result.output
    lines = run(sick, "doctor").output.splitlines()
    assert not any(line.startswith("clients/dup-b.yaml") for line in lines)
