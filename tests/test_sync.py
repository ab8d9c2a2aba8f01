"""Teamwork over git: sync with a bare remote, and the merge driver for client files.

Two clones of one bare repository stand for two salespeople working offline.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import commit_count, git, run, uncommitted
from pandai import yamlio


@pytest.fixture
def team(workspace: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A bare remote and two synced clones with one shared client, kiss-peter."""
    result = run(workspace, "add", "Kiss Péter", "--email", "peter@pelda.hu", "--phone",
                 "06301234567", "--value", "500000")
    assert result.exit_code == 0, result.output
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(workspace, "remote", "add", "origin", str(remote))
    result = run(workspace, "sync")
    assert result.exit_code == 0, result.output
    second = tmp_path / "second"
    git(tmp_path, "clone", "-q", str(remote), str(second))
    return workspace, second, remote


def read(ws: Path, client_id: str, folder: str = "clients") -> dict:
    return yamlio.read(ws / folder / f"{client_id}.yaml")


def sync_both(first: Path, second: Path) -> None:
    for ws in (first, second, first):
        result = run(ws, "sync")
        assert result.exit_code == 0, result.output


def test_first_command_registers_driver(team):
    _first, second, _remote = team
    result = run(second, "list", "--format", "ids")
    assert result.exit_code == 0, result.output
    assert "merge-file" in git(second, "config", "--get", "merge.pandai.driver")


def test_sync_pushes_and_pulls(team):
    first, second, _remote = team
    assert run(second, "list", "-f", "ids").stdout.split() == ["kiss-peter"]
    assert run(first, "add", "Nagy Éva", "--email", "eva@pelda.hu").exit_code == 0
    sync_both(first, second)
    assert (second / "clients" / "nagy-eva.yaml").is_file()
    assert uncommitted(first) == ""
    assert uncommitted(second) == ""


def test_concurrent_notes_both_kept(team):
    first, second, _remote = team
    assert run(first, "note", "kiss-peter", "first side", "--call").exit_code == 0
    assert run(second, "note", "kiss-peter", "second side").exit_code == 0
    sync_both(first, second)
    for ws in (first, second):
        texts = [note["text"] for note in read(ws, "kiss-peter")["notes"]]
        assert "first side" in texts
        assert "second side" in texts
        assert len(texts) == 2
        assert "merge_conflicts" not in read(ws, "kiss-peter")


def test_different_fields_both_taken(team):
    first, second, _remote = team
    assert run(first, "edit", "kiss-peter", "company=Acme Kft.").exit_code == 0
    assert run(second, "edit", "kiss-peter", "value=2M").exit_code == 0
    sync_both(first, second)
    data = read(second, "kiss-peter")
    assert data["company"] == "Acme Kft."
    assert data["value"] == "2000000"
    assert "merge_conflicts" not in data


def test_status_changes_merge_history(team):
    first, second, _remote = team
    assert run(first, "status", "kiss-peter", "Contacting").exit_code == 0
    assert run(second, "note", "kiss-peter", "called back").exit_code == 0
    sync_both(first, second)
    data = read(second, "kiss-peter")
    assert data["status"] == "Contacting"
    assert [entry["to"] for entry in data["status_history"]] == ["New lead", "Contacting"]


def test_same_field_conflict_keeps_both(team):
    first, second, _remote = team
    assert run(first, "edit", "kiss-peter", "value=1M").exit_code == 0
    assert run(second, "edit", "kiss-peter", "value=3M").exit_code == 0
    assert run(first, "sync").exit_code == 0
    result = run(second, "sync")
    assert result.exit_code == 0, result.output
    assert "kiss-peter: value" in result.stderr
    data = read(second, "kiss-peter")
    assert data["merge_conflicts"] == [{"field": "value", "ours": "3000000",
                                        "theirs": "1000000"}]
    assert uncommitted(second) == ""


def test_archive_versus_edit(team):
    first, second, _remote = team
    assert run(first, "archive", "id=kiss-peter", "--yes").exit_code == 0
    assert run(second, "edit", "kiss-peter", "company=Later Kft.").exit_code == 0
    sync_both(first, second)
    for ws in (first, second):
        assert not (ws / "clients" / "kiss-peter.yaml").exists()
        assert read(ws, "kiss-peter", "archive")["company"] == "Later Kft."


def test_same_slug_added_twice(team):
    first, second, _remote = team
    assert run(first, "add", "Tóth Anna", "--email", "anna.toth@elso.hu").exit_code == 0
    assert run(second, "add", "Tóth Anna", "--email", "anna.toth@masodik.hu").exit_code == 0
    sync_both(first, second)
    emails = sorted(read(second, client_id)["email"] for client_id in ("toth-anna", "toth-anna-2"))
    assert emails == ["anna.toth@elso.hu", "anna.toth@masodik.hu"]
    assert "merge_conflicts" not in read(second, "toth-anna")
    assert uncommitted(second) == ""


def test_hand_edits_committed(team):
    first, _second, _remote = team
    path = first / "clients" / "kiss-peter.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Kiss Péter", "Kiss Péter Pál"),
                    encoding="utf-8")
    before = commit_count(first)
    result = run(first, "sync", "--no-push")
    assert result.exit_code == 0, result.output
    assert commit_count(first) == before + 1
    assert uncommitted(first) == ""


def test_invalid_hand_edit_blocks_sync(team):
    first, _second, _remote = team
    path = first / "clients" / "kiss-peter.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    before = commit_count(first)
    result = run(first, "sync")
    assert result.exit_code != 0
    assert "kiss-peter.yaml:" in result.stderr
    assert commit_count(first) == before


def test_no_remote_message(workspace):
    result = run(workspace, "sync")
    assert result.exit_code != 0
    assert "git remote add origin" in result.stderr
    assert "Traceback" not in result.output


def test_no_remote_changes_nothing(workspace):
    # A workspace from before .gitattributes existed, with a hand edit. A sync that has no
    # remote to reach must commit neither of them.
    git(workspace, "rm", "-q", ".gitattributes")
    git(workspace, "commit", "-q", "-m", "Remove the attributes")
    views = workspace / "views.yaml"
    views.write_text(views.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    commits = commit_count(workspace)

    result = run(workspace, "sync", "--no-push")

    assert result.exit_code != 0
    assert "git remote add origin" in result.stderr
    assert commit_count(workspace) == commits
    assert not (workspace / ".gitattributes").exists()
    assert uncommitted(workspace) == " M views.yaml\n"


def test_unknown_remote_changes_nothing(team):
    first, _second, _remote = team
    views = first / "views.yaml"
    views.write_text(views.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    commits = commit_count(first)

    result = run(first, "sync", "--remote", "nincs", "--no-push")

    assert result.exit_code != 0
    assert "no git remote called nincs. Its remotes: origin" in result.stderr
    assert commit_count(first) == commits
    assert uncommitted(first) == " M views.yaml\n"


def test_unreachable_remote_message(workspace, tmp_path):
    git(workspace, "remote", "add", "origin", str(tmp_path / "missing.git"))
    result = run(workspace, "sync")
    assert result.exit_code != 0
    assert "Cannot reach the remote origin" in result.stderr


def test_rejected_push_message(team, tmp_path):
    first, second, remote = team
    assert run(second, "note", "kiss-peter", "pushed first").exit_code == 0
    assert run(second, "sync").exit_code == 0
    # A pre-receive hook plays a remote that rejects the push.
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'rejected by policy' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    assert run(first, "note", "kiss-peter", "second push").exit_code == 0
    result = run(first, "sync")
    assert result.exit_code != 0
    assert "origin" in result.stderr
    assert "Traceback" not in result.output


def test_no_git_message(tmp_path):
    result = run(None, "init", tmp_path / "plain", "--lang", "en")
    assert result.exit_code == 0
    shutil.rmtree(tmp_path / "plain" / ".git")
    result = run(tmp_path / "plain", "sync")
    assert result.exit_code != 0
    assert "not a git repository" in result.stderr


def test_driver_as_subprocess(tmp_path):
    base = tmp_path / "base.yaml"
    ours = tmp_path / "ours.yaml"
    theirs = tmp_path / "theirs.yaml"
    base.write_text("name: Kiss Péter\nvalue: 1\n", encoding="utf-8")
    ours.write_text("name: Kiss Péter\nvalue: 2\n", encoding="utf-8")
    theirs.write_text("name: Kiss Péter\nvalue: 1\ncompany: Acme\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pandai", "merge-file", str(base), str(ours),
                             str(theirs), "clients/kiss-peter.yaml"],
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert ours.read_text(encoding="utf-8") == "name: Kiss Péter\ncompany: Acme\nvalue: 2\n"


def test_authentication_failure_message():
    from pandai.errors import GitError
    from pandai.sync import _classify

    error = _classify(GitError("git fetch failed: fatal: Authentication failed for "
                               "'https://git.pelda.hu/team/clients.git/'"), "origin")
    assert "rejected the login" in error.message
    assert "origin" in error.message


def test_doctor_lists_merge_conflict(team):
    first, second, _remote = team
    assert run(first, "edit", "kiss-peter", "value=1M").exit_code == 0
    assert run(second, "edit", "kiss-peter", "value=3M").exit_code == 0
    assert run(first, "sync").exit_code == 0
    assert run(second, "sync").exit_code == 0
    result = run(second, "doctor", "--errors-only")
    assert result.exit_code == 9
    assert "clients/kiss-peter.yaml" in result.stdout
    assert "merge_conflicts" in result.stdout


def test_killed_sync_recovers(team):
    import random
    import signal
    import time

    from conftest import BASE_ENV

    first, second, _remote = team
    environment = {key: value for key, value in __import__("os").environ.items()
                   if not key.startswith("PANDAI_")}
    environment.update(BASE_ENV)
    assert run(first, "note", "kiss-peter", "from the first clone").exit_code == 0
    assert run(first, "sync").exit_code == 0
    assert run(second, "note", "kiss-peter", "from the second clone").exit_code == 0
    random.seed(3)
    for _attempt in range(5):
        process = subprocess.Popen([sys.executable, "-m", "pandai", "-w", str(second), "sync"],
                                   env=environment, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.05, 0.6))
        process.send_signal(signal.SIGKILL)
        process.wait()
        # A git command that the killed pandai started goes on until it ends, and keeps the
        # index lock meanwhile, as it would for a user who retries at once.
        deadline = time.monotonic() + 30
        while (second / ".git" / "index.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for path in (second / "clients").glob("*.yaml"):
            yamlio.read(path)
    result = run(second, "sync")
    assert result.exit_code == 0, result.output
    texts = [note["text"] for note in read(second, "kiss-peter")["notes"]]
    assert "from the first clone" in texts
    assert "from the second clone" in texts
    assert uncommitted(second) == ""
