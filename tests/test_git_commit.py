"""Tests of ``gitops.commit``: each commit is the one ``git commit -- PATHS`` would make.

Every test builds a real repository and, where it compares, a copy of it in which git commit
itself makes the commit. Author and committer dates are fixed, so equal commits have equal ids.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git
from pandai import gitops
from pandai.errors import GitError

MESSAGE = "pandai: note kiss-peter (call)"
AUTHOR = ("Nagy Anna", "anna@pelda.hu")


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with three committed client files and a .gitignore."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-12-04T10:00:00+01:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-12-04T10:00:00+01:00")
    root = tmp_path / "repository"
    (root / "clients").mkdir(parents=True)
    for name in ("kiss-peter", "nagy-eva", "toth-janos"):
        (root / "clients" / f"{name}.yaml").write_text(f"name: {name}\n", encoding="utf-8")
    (root / ".gitignore").write_text(".pandai/\nsecret/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return root


def twin(root: Path) -> Path:
    """Return a copy of the repository, in which git commit makes the same change."""
    copy = root.with_name(root.name + "-twin")
    shutil.copytree(root, copy, symlinks=True)
    return copy


def porcelain_commit(root: Path, paths: list[str], message: str = MESSAGE,
                     author: tuple[str, str] | None = AUTHOR) -> None:
    """Commit as pandai did before the plumbing route: git add, then git commit -- PATHS."""
    git(root, "add", "-A", "--", *paths)
    identity = []
    if author and subprocess.run(["git", "-C", str(root), "config", "user.email"],
                                 capture_output=True, check=False).returncode != 0:
        identity = ["-c", f"user.name={author[0]}", "-c", f"user.email={author[1]}"]
    git(root, *identity, "commit", "-q", "--no-verify", "-m", message, "--", *paths)


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def edit(root: Path, name: str, text: str = "value: 1\n") -> Path:
    path = root / "clients" / f"{name}.yaml"
    with path.open("a", encoding="utf-8") as stream:
        stream.write(text)
    return path


def test_commit_equals_git_commit(repository: Path) -> None:
    path = edit(repository, "kiss-peter")
    other = twin(repository)
    assert gitops.commit(repository, [path], MESSAGE, AUTHOR) is True
    porcelain_commit(other, ["clients/kiss-peter.yaml"])
    assert head(repository) == head(other)
    assert git(repository, "status", "--porcelain") == ""
    assert git(repository, "reflog", "-1", "--format=%gs") == \
        git(other, "reflog", "-1", "--format=%gs")


def test_commit_new_and_deleted_files(repository: Path) -> None:
    created = repository / "clients" / "szabo-anna.yaml"
    created.write_text("name: Szabó Anna\n", encoding="utf-8")
    deleted = repository / "clients" / "nagy-eva.yaml"
    deleted.unlink()
    other = twin(repository)
    assert gitops.commit(repository, [created, deleted], MESSAGE, AUTHOR) is True
    porcelain_commit(other, ["clients/szabo-anna.yaml", "clients/nagy-eva.yaml"])
    assert head(repository) == head(other)
    assert git(repository, "status", "--porcelain") == ""


def test_commit_author_without_identity(repository: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    path = edit(repository, "kiss-peter")
    other = twin(repository)
    assert gitops.commit(repository, [path], MESSAGE, ("pandai", "pandai@pandai.invalid"))
    porcelain_commit(other, ["clients/kiss-peter.yaml"],
                     author=("pandai", "pandai@pandai.invalid"))
    assert head(repository) == head(other)
    assert git(repository, "log", "-1", "--format=%an <%ae>").strip() == \
        "pandai <pandai@pandai.invalid>"


def test_commit_nothing_changed(repository: Path) -> None:
    before = head(repository)
    assert gitops.commit(repository, [repository / "clients" / "kiss-peter.yaml"], MESSAGE,
                         AUTHOR) is False
    assert head(repository) == before


def test_commit_keeps_other_staged_changes(repository: Path) -> None:
    edit(repository, "toth-janos")
    git(repository, "add", "clients/toth-janos.yaml")
    path = edit(repository, "kiss-peter")
    assert gitops.commit(repository, [path], MESSAGE, AUTHOR) is True
    committed = git(repository, "show", "--name-only", "--format=", "HEAD").split()
    assert committed == ["clients/kiss-peter.yaml"]
    assert git(repository, "diff", "--cached", "--name-only").split() == \
        ["clients/toth-janos.yaml"]


def test_commit_rejects_ignored_file(repository: Path) -> None:
    ignored = repository / "secret" / "notes.yaml"
    ignored.parent.mkdir()
    ignored.write_text("name: x\n", encoding="utf-8")
    before = head(repository)
    with pytest.raises(GitError, match="ignored"):
        gitops.commit(repository, [ignored], MESSAGE, AUTHOR)
    assert head(repository) == before


def test_commit_rejects_unknown_path(repository: Path) -> None:
    with pytest.raises(GitError, match="did not match"):
        gitops.commit(repository, [repository / "clients" / "ghost.yaml"], MESSAGE, AUTHOR)


def write_hook(root: Path, name: str, body: str) -> None:
    hook = root / ".git" / "hooks" / name
    hook.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    hook.chmod(0o755)


def test_commit_skips_pre_commit_hook(repository: Path) -> None:
    write_hook(repository, "pre-commit", "exit 1")
    write_hook(repository, "commit-msg", "exit 1")
    path = edit(repository, "kiss-peter")
    assert gitops.commit(repository, [path], MESSAGE, AUTHOR) is True
    assert git(repository, "log", "-1", "--format=%s").strip() == MESSAGE


def test_commit_runs_post_commit_hooks(repository: Path) -> None:
    write_hook(repository, "prepare-commit-msg", 'printf "\\nChecked-by: hook\\n" >> "$1"')
    write_hook(repository, "post-commit", "touch post-commit-ran")
    path = edit(repository, "kiss-peter")
    other = twin(repository)
    assert gitops.commit(repository, [path], MESSAGE, AUTHOR) is True
    porcelain_commit(other, ["clients/kiss-peter.yaml"])
    assert (repository / "post-commit-ran").exists()
    assert "Checked-by: hook" in git(repository, "log", "-1", "--format=%B")
    assert head(repository) == head(other)


def test_commit_hooks_path_setting(repository: Path, tmp_path: Path) -> None:
    hooks = tmp_path / "shared-hooks"
    hooks.mkdir()
    write_hook(repository, "post-commit", "touch wrong-hook-ran")
    (hooks / "post-commit").write_text("#!/bin/sh\ntouch shared-hook-ran\n", encoding="utf-8")
    (hooks / "post-commit").chmod(0o755)
    git(repository, "config", "core.hooksPath", str(hooks))
    assert gitops.commit(repository, [edit(repository, "kiss-peter")], MESSAGE, AUTHOR)
    assert (repository / "shared-hook-ran").exists()
    assert not (repository / "wrong-hook-ran").exists()


@pytest.mark.parametrize("setting", ["gpgsign = true", "gpgsign"])
def test_commit_signs_when_configured(repository: Path, tmp_path: Path, setting: str) -> None:
    # A stand-in for gpg that reports success the way git reads it (--status-fd=2).
    program = tmp_path / "fake-gpg"
    program.write_text("#!/bin/sh\ncat > /dev/null\n"
                       "printf '\\n[GNUPG:] SIG_CREATED D 1 8 00 0 0\\n' >&2\n"
                       "printf -- '-----BEGIN PGP SIGNATURE-----\\nfake\\n"
                       "-----END PGP SIGNATURE-----\\n'\n", encoding="utf-8")
    program.chmod(0o755)
    with (repository / ".git" / "config").open("a", encoding="utf-8") as config:
        config.write(f"[commit]\n\t{setting}\n[gpg]\n\tprogram = {program}\n"
                     "[user]\n\tsigningkey = test\n")
    assert gitops.commit(repository, [edit(repository, "kiss-peter")], MESSAGE, AUTHOR)
    assert "gpgsig -----BEGIN PGP SIGNATURE-----" in git(repository, "cat-file", "commit",
                                                          "HEAD")


def test_commit_cleanup_strip(repository: Path) -> None:
    # With the comment character "p", git commit strips the whole message and gives up.
    git(repository, "config", "core.commentChar", "p")
    git(repository, "config", "commit.cleanup", "strip")
    before = head(repository)
    with pytest.raises(GitError, match="empty commit message"):
        gitops.commit(repository, [edit(repository, "kiss-peter")], MESSAGE, AUTHOR)
    assert head(repository) == before


def test_commit_refused_during_merge(repository: Path) -> None:
    git(repository, "checkout", "-q", "-b", "other")
    edit(repository, "toth-janos", "status: A\n")
    git(repository, "commit", "-q", "-am", "other side")
    git(repository, "checkout", "-q", "main")
    # A merge that stages nothing but waits for its commit: git refuses a partial commit.
    git(repository, "merge", "-q", "--no-commit", "-s", "ours", "other")
    before = head(repository)
    with pytest.raises(GitError, match="partial commit during a merge"):
        gitops.commit(repository, [edit(repository, "kiss-peter")], MESSAGE, AUTHOR)
    assert head(repository) == before


def pack_count(root: Path) -> int:
    return len(list((root / ".git" / "objects" / "pack").glob("*.pack")))


@pytest.mark.parametrize(("automatic", "packs"), [("true", 1), ("false", 2)])
def test_commit_automatic_housekeeping(repository: Path, automatic: str, packs: int) -> None:
    # Two packs, more than gc.autoPackLimit allows: git's automatic gc joins them into one,
    # unless maintenance.auto turns it off.
    for name in ("nagy-eva", "toth-janos"):
        edit(repository, name)
        git(repository, "commit", "-q", "-am", f"edit {name}")
        git(repository, "repack", "-q", "-d")
    git(repository, "config", "gc.autoPackLimit", "1")
    git(repository, "config", "gc.autoDetach", "false")
    git(repository, "config", "maintenance.auto", automatic)
    assert pack_count(repository) == 2
    assert gitops.commit(repository, [edit(repository, "kiss-peter")], MESSAGE, AUTHOR)
    assert pack_count(repository) == packs


def test_commit_folder_path(repository: Path) -> None:
    edit(repository, "kiss-peter")
    (repository / "clients" / "szabo-anna.yaml").write_text("name: x\n", encoding="utf-8")
    assert gitops.commit(repository, [repository / "clients"], MESSAGE, AUTHOR) is True
    assert sorted(git(repository, "show", "--name-only", "--format=", "HEAD").split()) == \
        ["clients/kiss-peter.yaml", "clients/szabo-anna.yaml"]
    assert git(repository, "status", "--porcelain") == ""


def test_commit_first_in_empty_repository(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "pandai.yaml").write_text("language: en\n", encoding="utf-8")
    assert gitops.commit(root, [root / "pandai.yaml"], MESSAGE, AUTHOR) is True
    assert git(root, "log", "--format=%s").splitlines() == [MESSAGE]
