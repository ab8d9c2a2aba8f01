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
    pager: bool = True  # False with --no-pager
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
    if store.on_lock_wait is None:
        store.on_lock_wait = warn_now
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


def echo_paged(ctx: typer.Context, text: str) -> None:
    """Print text to stdout, through a pager when it is taller than the terminal.

    The pager runs only on a terminal (stdin and stdout) and without ``--no-pager``. It is
    PANDAI_PAGER, else PAGER, else ``less``, and an empty PANDAI_PAGER or ``cat`` turns paging
    off. ``less`` gets ``LESS=FRX`` unless LESS is set, as git does, so colours pass and the
    table stays on the screen after quitting.
    """
    pager = os.environ.get("PANDAI_PAGER")
    if not _wants_pager(ctx, text) or (pager is not None and pager.strip() in ("", "cat")):
        echo(text)
        return
    saved = {key: os.environ.get(key) for key in ("PAGER", "LESS")}
    if pager is not None:
        os.environ["PAGER"] = pager
    os.environ.setdefault("LESS", "FRX")
    try:
        click.echo_via_pager(text + "\n", color=True)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _wants_pager(ctx: typer.Context, text: str) -> bool:
    if not state(ctx).pager or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    import shutil

    # Lines wider than the terminal wrap, so they count as several.
    size = shutil.get_terminal_size()
    width = max(size.columns, 1)
    rows = sum(max(1, -(-len(click.unstyle(line)) // width)) for line in text.splitlines())
    return rows >= size.lines


def warn_now(text: str) -> None:
    """Print a notice to stderr at once, such as why a command waits."""
    click.echo(text, err=True)


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
