"""Helpers shared by the commands: the open workspace, output streams, colour, confirmation."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click
import typer

from pandai.errors import NotConfirmed
from pandai.i18n import _

if TYPE_CHECKING:
    from pandai.workspace import Workspace

_YES_ANSWERS = {"y", "yes", "i", "igen"}


@dataclass
class State:
    """Global options, kept in the click context for every command."""

    workspace_path: Path | None = None
    color: str = "auto"
    verbose: bool = False
    debug: bool = False
    opened: list[Workspace] = field(default_factory=list)


def state(ctx: typer.Context) -> State:
    """Return the global options of the running command."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def open_workspace(ctx: typer.Context) -> Workspace:
    """Open the workspace the command runs in; its warnings are printed when the command ends."""
    # Imported here because ``pandai --help`` loads this module and needs neither.
    from pandai import store
    from pandai.workspace import Workspace

    current = state(ctx)
    workspace = Workspace.open(current.workspace_path)
    current.opened.append(workspace)
    # A change interrupted by a crash is completed before anything reads the workspace.
    store.recover(workspace)
    attributes = workspace.root / ".gitattributes"
    if (workspace.root / ".git").is_dir() and attributes.is_file() and \
            "merge=pandai" in attributes.read_text(encoding="utf-8", errors="replace"):
        # git does not clone its config, so a fresh clone registers the merge driver here.
        from pandai.sync import ensure_merge_driver

        ensure_merge_driver(workspace.root)
    return workspace


def use_color(ctx: typer.Context, stream=None) -> bool:
    """Return True when output may be coloured: a terminal, no NO_COLOR, no ``--color never``."""
    choice = state(ctx).color
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def echo(text: str = "", err: bool = False) -> None:
    """Print a line to stdout, or to stderr with ``err``."""
    # Colour codes are in the text only when use_color() allowed them, so click must not strip
    # them again when --color always writes to a pipe.
    click.echo(text, err=err, color=True)


def warn(text: str) -> None:
    """Print a warning to stderr."""
    click.echo(_("Warning: {message}").format(message=text), err=True)


def is_terminal() -> bool:
    """Return True when a person can answer a question on standard input."""
    return sys.stdin.isatty()


def confirm(question: str, yes: bool) -> bool:
    """Ask a yes/no question; ``--yes`` answers it, and without a terminal it is an error.

    Raise NotConfirmed when there is no terminal to ask on and ``yes`` is not set, so that a
    script never changes anything by accident.
    """
    if yes:
        return True
    if not is_terminal():
        raise NotConfirmed(_("{question} Nothing was changed: there is no terminal to ask on. "
                             "Add --yes to confirm.").format(question=question))
    suffix = _("[y/N]")
    answer = click.prompt(f"{question} {suffix}", default="", show_default=False,
                          prompt_suffix=" ", err=True)
    return answer.strip().lower() in _YES_ANSWERS


def ask(question: str) -> str:
    """Ask for a line of text on the terminal."""
    return click.prompt(question, default="", show_default=False, err=True)
