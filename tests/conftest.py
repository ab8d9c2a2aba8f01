"""Fixtures shared by the tests: real workspaces in temporary folders and a command runner.

Every workspace is a real git repository. Two templates are built once per session (a fresh
English workspace with one team member, and a copy of the repository's demo workspace) and
copied into each test's own folder, so a test may change its copy freely. The repository's
own demo is only read, never written.

Test modules import the helpers from here (``from conftest import run, ...``); pytest puts
this folder on ``sys.path`` because it has no ``__init__.py``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import click
import pytest
import typer
from click.testing import CliRunner, Result

from pandai.cli.main import Entry
from pandai.i18n import activate, current_language

REPO = Path(__file__).parents[1]
SAMPLES = Path(__file__).parents[2] / "shared" / "samples"
TODAY = "2026-12-04"
DEMO_FILES = ("clients", "statuses.yaml", "views.yaml", "pandai.yaml")

# The environment of every test. Git reads no global or system configuration, so neither the
# machine's git identity nor its pandai.user setting can leak into a test.
BASE_ENV = {
    "PANDAI_LANG": "en",
    "PANDAI_USER": "anna",
    "PANDAI_TODAY": TODAY,
    "NO_COLOR": "1",
    "GIT_AUTHOR_NAME": "Nagy Anna",
    "GIT_AUTHOR_EMAIL": "anna@pelda.hu",
    "GIT_COMMITTER_NAME": "Nagy Anna",
    "GIT_COMMITTER_EMAIL": "anna@pelda.hu",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
# Variables that would change a test's outcome, removed for every test.
REMOVED_ENV = ("PANDAI_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "VISUAL", "EDITOR",
               "PANDAI_LOCK_TIMEOUT", "GIT_DIR", "GIT_WORK_TREE", "PANDAI_SMTP_HOST",
               "PANDAI_SMTP_PORT", "PANDAI_SMTP_SECURITY", "PANDAI_SMTP_USER",
               "PANDAI_SMTP_FROM", "PANDAI_SMTP_PASSWORD")


# Click commands already built from pandai's Typer app, by language and registered commands.
_BUILT_COMMANDS: dict[tuple, click.Command] = {}
_build_command = typer.main.get_command


def _reuse_built_command(app: typer.Typer) -> click.Command:
    # Building click commands from Typer apps is most of an in-process run's time. A built
    # command keeps no state between runs, except that the top-level group keeps the commands
    # it has built, so each is built once per language and set of registered commands, the
    # only inputs that change it. Subprocess tests still build them on every run.
    key = (current_language(),
           tuple(command.name or command.callback.__name__
                 for command in app.registered_commands),
           tuple(group.name for group in app.registered_groups))
    if key not in _BUILT_COMMANDS:
        _BUILT_COMMANDS[key] = _build_command(app)
    return _BUILT_COMMANDS[key]


def run(ws: Path | None, *args: object, env: dict[str, str | None] | None = None,
        lang: str | None = "en", input: str | None = None) -> Result:
    """Run ``pandai -w WS ARGS`` in-process and return click's result.

    ``ws`` None runs without ``-w``. ``lang`` sets PANDAI_LANG, and None removes it.
    ``env`` adds or, with None values, removes environment variables for this run only.
    """
    argv = ["-w", str(ws)] if ws is not None else []
    argv += [str(argument) for argument in args]
    environment: dict[str, str | None] = {"PANDAI_LANG": lang}
    environment.update(env or {})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.main, "get_command", _reuse_built_command)
        return CliRunner().invoke(Entry(), argv, env=environment, input=input)


def git(ws: Path, *args: str) -> str:
    """Run git in ``ws`` and return its standard output; fail the test when git fails."""
    result = subprocess.run(["git", "-C", str(ws), *args], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def commit_count(ws: Path) -> int:
    """Return the number of commits on the workspace's current branch."""
    return int(git(ws, "rev-list", "--count", "HEAD"))


def last_commit_message(ws: Path) -> str:
    """Return the subject of the workspace's last commit."""
    return git(ws, "log", "-1", "--format=%s").strip()


def uncommitted(ws: Path) -> str:
    """Return ``git status --porcelain``: empty when everything is committed."""
    return git(ws, "status", "--porcelain")


def snapshot(ws: Path) -> dict[str, str]:
    """Return the SHA-256 of every file under ``ws``, except inside .git/ and .pandai/."""
    digests = {}
    for path in sorted(ws.rglob("*")):
        relative = path.relative_to(ws)
        if relative.parts[0] in (".git", ".pandai") or not path.is_file():
            continue
        digests[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def commit_all(ws: Path, message: str) -> None:
    """Commit every change in ``ws``, as a person does after editing files by hand."""
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", message)


def _compact_repository(target: Path) -> None:
    # Every test copies a template, so fewer files make the copies and their removal faster:
    # git's sample hooks go, and the objects are packed into one file.
    for sample in (target / ".git" / "hooks").glob("*.sample"):
        sample.unlink()
    git(target, "gc", "--quiet", "--prune=now")


def _build_workspace(target: Path) -> None:
    result = run(None, "init", target, "--lang", "en")
    assert result.exit_code == 0, result.output
    result = run(target, "team", "add", "anna", "--name", "Nagy Anna", "--email",
                 "anna@pelda.hu")
    assert result.exit_code == 0, result.output
    _compact_repository(target)


def _build_demo(target: Path) -> None:
    target.mkdir()
    for name in DEMO_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    commit_all(target, "Copy the demo workspace")
    _compact_repository(target)


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    with pytest.MonkeyPatch.context() as patch:
        apply_test_env(patch)
        _build_workspace(folder / "workspace")
        _build_demo(folder / "demo")
        activate("en")
    return {"workspace": folder / "workspace", "demo": folder / "demo"}


def apply_test_env(patch: pytest.MonkeyPatch) -> None:
    """Set BASE_ENV and remove REMOVED_ENV through ``patch``, which restores them later."""
    for name, value in BASE_ENV.items():
        patch.setenv(name, value)
    for name in REMOVED_ENV:
        patch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Give every test the same environment, and English messages after it."""
    apply_test_env(monkeypatch)
    yield
    # run() activates a language for the whole process; later tests start from English.
    activate("en")


@pytest.fixture
def workspace(_templates: dict[str, Path], tmp_path: Path) -> Path:
    """An English workspace made by ``pandai init``, with team member anna: two commits."""
    target = tmp_path / "ws"
    shutil.copytree(_templates["workspace"], target, symlinks=True)
    return target


@pytest.fixture
def demo(_templates: dict[str, Path], tmp_path: Path) -> Path:
    """A git copy of the repository's demo workspace (45 clients, auto_commit off)."""
    target = tmp_path / "demo"
    shutil.copytree(_templates["demo"], target, symlinks=True)
    return target
