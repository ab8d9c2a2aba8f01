"""Tests of archive, unarchive, reassign, attach, files and undo on real git workspaces."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pandai.cli.main import Entry

ENVIRONMENT = {"PANDAI_LANG": "en", "PANDAI_USER": "anna", "PANDAI_TODAY": "2026-12-04",
               "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid",
               "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def pandai(workspace: Path, *args: str, env: dict[str, str] | None = None):
    """Run pandai in ``workspace`` the way a user would, without a terminal on stdin."""
    return CliRunner().invoke(Entry(), ["-w", str(workspace), *args],
                              env={**ENVIRONMENT, **(env or {})})


def git(workspace: Path, *args: str) -> str:
    environment = {**os.environ, **ENVIRONMENT}
    return subprocess.run(["git", "-C", str(workspace), *args], capture_output=True, text=True,
                          check=True, env=environment).stdout


def commit_count(workspace: Path) -> int:
    return int(git(workspace, "rev-list", "--count", "HEAD"))


def snapshot(workspace: Path) -> dict[str, bytes]:
    """Return every file of the workspace outside .git and .pandai with its content."""
    return {str(path.relative_to(workspace)): path.read_bytes()
            for path in sorted(workspace.rglob("*"))
            if path.is_file() and path.relative_to(workspace).parts[0] not in (".git", ".pandai")}


def assert_one_clean_commit(workspace: Path, before: int) -> None:
    assert commit_count(workspace) == before + 1
    assert git(workspace, "status", "--porcelain") == ""


def assert_rejected(result, expected: str) -> None:
    """Check that a command failed with a message and no traceback."""
    assert result.exit_code != 0, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert "Internal error" not in result.output


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Return a workspace with three team members and three clients owned by anna.

    old-client is inactive, created in 2025 and last contacted in January 2026, so the default
    archive rule picks it on 2026-12-04; fresh-client and third-client are new leads.
    """
    root = tmp_path / "ws"
    steps = [
        ["init", str(root), "--lang", "en"],
        ["team", "add", "anna", "--name", "Anna Alpha"],
        ["team", "add", "bela", "--name", "Bela Beta"],
        ["team", "add", "cili", "--name", "Cili Gamma"],
        ["add", "Old Client", "--email", "old@pelda.hu"],
        ["add", "Fresh Client", "--email", "fresh@pelda.hu"],
        ["add", "Third Client", "--email", "third@pelda.hu"],
        ["edit", "old-client", "status=Inactive", "last_contact=2026-01-10",
         "created=2025-06-01"],
    ]
    for step in steps:
        result = CliRunner().invoke(Entry(), step if step[0] == "init" else
                                    ["-w", str(root), *step], env=ENVIRONMENT)
        assert result.exit_code == 0, result.output
    return root


# archive and unarchive

def test_archive_default_rule(workspace: Path) -> None:
    before = commit_count(workspace)
    result = pandai(workspace, "archive", "--yes")
    assert result.exit_code == 0, result.output
    assert "old-client" in result.output
    assert "fresh-client" not in result.output
    assert (workspace / "archive" / "old-client.yaml").is_file()
    assert not (workspace / "clients" / "old-client.yaml").exists()
    assert (workspace / "clients" / "fresh-client.yaml").is_file()
    assert_one_clean_commit(workspace, before)
    assert git(workspace, "log", "-1", "--format=%s").strip() == "pandai: archive 1 client(s)"
    listed = pandai(workspace, "list", "--archived", "--format", "ids")
    assert listed.output.split() == ["old-client"]


def test_archive_keeps_file_bytes(workspace: Path) -> None:
    original = (workspace / "clients" / "old-client.yaml").read_bytes()
    assert pandai(workspace, "archive", "--yes").exit_code == 0
    assert (workspace / "archive" / "old-client.yaml").read_bytes() == original


def test_archive_with_filter(workspace: Path) -> None:
    before = commit_count(workspace)
    result = pandai(workspace, "archive", "name~client", "stage=open", "--yes")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (workspace / "archive").iterdir()) == [
        "fresh-client.yaml", "third-client.yaml"]
    assert_one_clean_commit(workspace, before)


def test_archive_dry_run_changes_nothing(workspace: Path) -> None:
    before = commit_count(workspace)
    files = snapshot(workspace)
    result = pandai(workspace, "archive", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "old-client" in result.output
    assert "dry run" in result.output
    assert snapshot(workspace) == files
    assert commit_count(workspace) == before


def test_archive_without_yes_or_terminal(workspace: Path) -> None:
    before = commit_count(workspace)
    files = snapshot(workspace)
    result = pandai(workspace, "archive")
    assert_rejected(result, "Add --yes")
    assert "old-client" in result.output
    assert snapshot(workspace) == files
    assert commit_count(workspace) == before


def test_archive_invalid_filter(workspace: Path) -> None:
    files = snapshot(workspace)
    result = pandai(workspace, "archive", "colour=red", "--yes")
    assert_rejected(result, "unknown field 'colour'")
    assert snapshot(workspace) == files


def test_archive_nothing_to_archive(workspace: Path) -> None:
    before = commit_count(workspace)
    result = pandai(workspace, "archive", "name=Nobody", "--yes")
    assert result.exit_code == 0, result.output
    assert "No clients to archive." in result.output
    assert commit_count(workspace) == before


def test_unarchive_moves_client_back(workspace: Path) -> None:
    assert pandai(workspace, "archive", "--yes").exit_code == 0
    before = commit_count(workspace)
    result = pandai(workspace, "unarchive", "old-client")
    assert result.exit_code == 0, result.output
    assert (workspace / "clients" / "old-client.yaml").is_file()
    assert not (workspace / "archive" / "old-client.yaml").exists()
    assert_one_clean_commit(workspace, before)


def test_unarchive_active_client(workspace: Path) -> None:
    files = snapshot(workspace)
    result = pandai(workspace, "unarchive", "fresh-client")
    assert_rejected(result, "fresh-client is not archived")
    assert snapshot(workspace) == files


def test_unarchive_unknown_client(workspace: Path) -> None:
    files = snapshot(workspace)
    result = pandai(workspace, "unarchive", "nobody")
    assert_rejected(result, "No client matches 'nobody'")
    assert snapshot(workspace) == files


# reassign

def owners(workspace: Path) -> dict[str, str]:
    result = pandai(workspace, "list", "--format", "json")
    return {record["id"]: record.get("owner") for record in json.loads(result.output)}


def test_reassign_to_one_member(workspace: Path) -> None:
    before = commit_count(workspace)
    result = pandai(workspace, "reassign", "anna", "bela", "--yes")
    assert result.exit_code == 0, result.output
    assert set(owners(workspace).values()) == {"bela"}
    assert_one_clean_commit(workspace, before)
    assert git(workspace, "log", "-1", "--format=%s").strip() == "pandai: reassign anna -> bela"


def test_reassign_round_robin_in_id_order(workspace: Path) -> None:
    before = commit_count(workspace)
    result = pandai(workspace, "reassign", "anna", "bela,cili", "--yes")
    assert result.exit_code == 0, result.output
    assert owners(workspace) == {"fresh-client": "bela", "old-client": "cili",
                                 "third-client": "bela"}
    assert_one_clean_commit(workspace, before)


def test_reassign_with_filter(workspace: Path) -> None:
    result = pandai(workspace, "reassign", "anna", "cili", "stage=open", "--yes")
    assert result.exit_code == 0, result.output
    assert owners(workspace) == {"fresh-client": "cili", "old-client": "anna",
                                 "third-client": "cili"}


def test_reassign_unknown_member(workspace: Path) -> None:
    before = commit_count(workspace)
    files = snapshot(workspace)
    for args, message in ((["anna", "zed"], "'zed' is not a team member"),
                          (["zed", "bela"], "'zed' is not a team member"),
                          (["anna", "anna"], "cannot hand clients over to themselves")):
        result = pandai(workspace, "reassign", *args, "--yes")
        assert_rejected(result, message)
    assert snapshot(workspace) == files
    assert commit_count(workspace) == before


def test_reassign_without_yes_or_terminal(workspace: Path) -> None:
    files = snapshot(workspace)
    result = pandai(workspace, "reassign", "anna", "bela")
    assert_rejected(result, "Reassign 3 clients of anna?")
    assert snapshot(workspace) == files


# attach and files

def test_attach_copies_file_and_lists_it(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "offer.pdf"
    source.write_bytes(b"%PDF-1.4 offer")
    before = commit_count(workspace)
    result = pandai(workspace, "attach", "fresh-client", str(source))
    assert result.exit_code == 0, result.output
    assert (workspace / "files" / "fresh-client" / "offer.pdf").read_bytes() == b"%PDF-1.4 offer"
    assert "files: [offer.pdf]" in (workspace / "clients" / "fresh-client.yaml").read_text()
    assert_one_clean_commit(workspace, before)
    committed = git(workspace, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == ["clients/fresh-client.yaml", "files/fresh-client/offer.pdf"]


def test_attach_name_clash_adds_number(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "offer.pdf"
    source.write_bytes(b"first")
    assert pandai(workspace, "attach", "fresh-client", str(source)).exit_code == 0
    source.write_bytes(b"second")
    result = pandai(workspace, "attach", "fresh-client", str(source))
    assert result.exit_code == 0, result.output
    assert "offer-2.pdf" in result.output
    assert (workspace / "files" / "fresh-client" / "offer-2.pdf").read_bytes() == b"second"
    assert (workspace / "files" / "fresh-client" / "offer.pdf").read_bytes() == b"first"


def test_attach_rejects_unsafe_names(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "offer.pdf"
    source.write_bytes(b"data")
    hidden = tmp_path / ".secret"
    hidden.write_bytes(b"data")
    before = commit_count(workspace)
    files = snapshot(workspace)
    for args in (["--name", "../x"], ["--name", "a/b.pdf"], ["--name", ".hidden"],
                 ["--name", ".."], ["--name", "a\\b"]):
        result = pandai(workspace, "attach", "fresh-client", str(source), *args)
        assert_rejected(result, "Invalid attachment name")
    result = pandai(workspace, "attach", "fresh-client", str(hidden))
    assert_rejected(result, "Invalid attachment name '.secret'")
    assert snapshot(workspace) == files
    assert commit_count(workspace) == before
    assert not (tmp_path / "x").exists()


def test_attach_missing_file(workspace: Path, tmp_path: Path) -> None:
    files = snapshot(workspace)
    result = pandai(workspace, "attach", "fresh-client", str(tmp_path / "missing.pdf"))
    assert_rejected(result, "no such file")
    result = pandai(workspace, "attach", "fresh-client", str(tmp_path))
    assert_rejected(result, "it is a folder")
    assert snapshot(workspace) == files


def test_attach_unknown_client(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "offer.pdf"
    source.write_bytes(b"data")
    files = snapshot(workspace)
    result = pandai(workspace, "attach", "nobody", str(source))
    assert_rejected(result, "No client matches 'nobody'")
    assert snapshot(workspace) == files


def test_attach_never_writes_through_symlink(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "files").mkdir()
    (workspace / "files" / "fresh-client").symlink_to(outside)
    source = tmp_path / "offer.pdf"
    source.write_bytes(b"data")
    result = pandai(workspace, "attach", "fresh-client", str(source))
    assert_rejected(result, "outside")
    assert list(outside.iterdir()) == []


def test_files_lists_sizes_and_missing(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "offer.pdf"
    source.write_bytes(b"12345")
    assert pandai(workspace, "attach", "fresh-client", str(source)).exit_code == 0
    assert pandai(workspace, "attach", "fresh-client", str(source),
                  "--name", "contract.pdf").exit_code == 0
    (workspace / "files" / "fresh-client" / "contract.pdf").unlink()
    result = pandai(workspace, "files", "fresh-client")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["offer.pdf  5 bytes", "contract.pdf  missing"]


def test_files_open_prints_path_without_opener(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "offer.pdf"
    source.write_bytes(b"data")
    assert pandai(workspace, "attach", "fresh-client", str(source)).exit_code == 0
    # A PATH with git alone has neither xdg-open nor open, so the path is printed.
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "git").symlink_to(shutil.which("git"))
    result = pandai(workspace, "files", "fresh-client", "--open", "offer.pdf",
                    env={"PATH": str(tools)})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(workspace / "files" / "fresh-client" / "offer.pdf")
    unknown = pandai(workspace, "files", "fresh-client", "--open", "other.pdf")
    assert_rejected(unknown, "has no attachment called 'other.pdf'")


# undo

def test_undo_reverts_last_pandai_change(workspace: Path) -> None:
    assert pandai(workspace, "archive", "--yes").exit_code == 0
    before = commit_count(workspace)
    result = pandai(workspace, "undo", "--yes")
    assert result.exit_code == 0, result.output
    assert "pandai: archive 1 client(s)" in result.output
    assert (workspace / "clients" / "old-client.yaml").is_file()
    assert not (workspace / "archive" / "old-client.yaml").exists()
    assert_one_clean_commit(workspace, before)
    subject = git(workspace, "log", "-1", "--format=%s").strip()
    assert subject == 'pandai: undo "pandai: archive 1 client(s)"'


def test_archive_skips_waiting_client(workspace: Path) -> None:
    assert pandai(workspace, "edit", "old-client", "next_action=2027-01-10").exit_code == 0
    result = pandai(workspace, "archive", "--dry-run")
    assert "old-client" not in result.output


def test_second_undo_redoes(workspace: Path) -> None:
    assert pandai(workspace, "archive", "--yes").exit_code == 0
    assert pandai(workspace, "undo", "--yes").exit_code == 0
    result = pandai(workspace, "undo", "--yes")
    assert result.exit_code == 0, result.output
    assert (workspace / "archive" / "old-client.yaml").is_file()
    assert not (workspace / "clients" / "old-client.yaml").exists()


def test_undo_rejects_foreign_commit(workspace: Path) -> None:
    (workspace / "notes.txt").write_text("hand-made\n")
    git(workspace, "add", "notes.txt")
    git(workspace, "commit", "-q", "-m", "Add notes by hand")
    before = commit_count(workspace)
    files = snapshot(workspace)
    result = pandai(workspace, "undo", "--yes")
    assert_rejected(result, "'Add notes by hand' was not made by pandai")
    assert snapshot(workspace) == files
    assert commit_count(workspace) == before


def test_undo_rejects_uncommitted_changes(workspace: Path) -> None:
    client_file = workspace / "clients" / "fresh-client.yaml"
    client_file.write_text(client_file.read_text() + "tags: [hand]\n")
    before = commit_count(workspace)
    files = snapshot(workspace)
    result = pandai(workspace, "undo", "--yes")
    assert_rejected(result, "uncommitted changes")
    assert "clients/fresh-client.yaml" in result.output
    assert snapshot(workspace) == files
    assert commit_count(workspace) == before


def test_undo_ignores_unrelated_untracked_file(workspace: Path) -> None:
    assert pandai(workspace, "archive", "--yes").exit_code == 0
    (workspace / "jegyzet.txt").write_text("my own notes\n")
    result = pandai(workspace, "undo", "--yes")
    assert result.exit_code == 0, result.output
    assert (workspace / "clients" / "old-client.yaml").is_file()
    assert (workspace / "jegyzet.txt").read_text() == "my own notes\n"
    assert git(workspace, "status", "--porcelain") == "?? jegyzet.txt\n"


def test_undo_blocked_by_untracked_file(workspace: Path) -> None:
    # Undoing the archive brings clients/old-client.yaml back, where a new file now is.
    assert pandai(workspace, "archive", "--yes").exit_code == 0
    blocking = workspace / "clients" / "old-client.yaml"
    blocking.write_text("name: Someone Else\n")
    before = commit_count(workspace)
    files = snapshot(workspace)
    result = pandai(workspace, "undo", "--yes")
    assert_rejected(result, "Undo would write over files that git does not track")
    assert "clients/old-client.yaml" in result.output
    assert snapshot(workspace) == files
    assert commit_count(workspace) == before


def test_undo_without_yes_or_terminal(workspace: Path) -> None:
    before = commit_count(workspace)
    result = pandai(workspace, "undo")
    assert_rejected(result, "Undo 'pandai: edit old-client'?")
    assert commit_count(workspace) == before


def test_undo_without_git(workspace: Path) -> None:
    shutil.rmtree(workspace / ".git")
    files = snapshot(workspace)
    result = pandai(workspace, "undo", "--yes")
    assert_rejected(result, "not a git repository")
    assert snapshot(workspace) == files


def test_undo_rejects_first_commit(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert CliRunner().invoke(Entry(), ["init", str(root), "--lang", "en"],
                              env=ENVIRONMENT).exit_code == 0
    files = snapshot(root)
    result = pandai(root, "undo", "--yes")
    assert_rejected(result, "is the first commit or a merge")
    assert snapshot(root) == files
