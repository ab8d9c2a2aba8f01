"""Editing a client file in the user's editor, re-opened while the result is invalid."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from pandai import actions
from pandai.cli.common import confirm, echo, is_terminal
from pandai.errors import InvalidInput, PandaiError
from pandai.i18n import _
from pandai.workspace import Workspace

_ERROR_PREFIX = "# pandai: "


def editor_command() -> list[str]:
    """Return the editor to run: $VISUAL, then $EDITOR, then vi."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(command)


def _run_editor(path: Path) -> None:
    command = [*editor_command(), str(path)]
    try:
        result = subprocess.run(command, check=False)
    except OSError as error:
        raise InvalidInput(_("Cannot start the editor {editor!r}: {reason}. Set EDITOR to an "
                             "editor you have.").format(editor=command[0], reason=error)) from None
    if result.returncode != 0:
        raise InvalidInput(_("The editor {editor!r} exited with status {status}; nothing was "
                             "saved.").format(editor=command[0], status=result.returncode))


def _strip_error_lines(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith(_ERROR_PREFIX))


def edit_in_editor(workspace: Workspace, term: str) -> actions.Outcome | None:
    """Open a client in the editor until it saves valid; return None when nothing changed."""
    if not is_terminal() and not (os.environ.get("VISUAL") or os.environ.get("EDITOR")):
        raise InvalidInput(_("No editor to open: there is no terminal and EDITOR is not set. "
                             "Give FIELD=VALUE assignments, or set EDITOR."))
    client, original = actions.editable_text(workspace, term)
    workspace.state_dir.mkdir(exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f"{client.id}.", suffix=".yaml",
                                    dir=workspace.state_dir)
    path = Path(name)
    try:
        os.close(handle)
        path.write_text(original, encoding="utf-8")
        while True:
            _run_editor(path)
            text = _strip_error_lines(path.read_text(encoding="utf-8"))
            if text == original or not text.strip():
                return None
            try:
                return actions.apply_edited_text(workspace, client, text)
            except PandaiError as error:
                if not is_terminal():
                    raise InvalidInput(_("{message} The edit was not saved; run the command "
                                         "again on a terminal, or give FIELD=VALUE "
                                         "assignments.").format(message=error.message)) \
                        from error
                echo(_("Error: {message}").format(message=error.message), err=True)
                if not confirm(_("Edit the file again?"), yes=False):
                    raise
                # The reason goes into the file as comment lines, where the user looks next.
                comment = "".join(f"{_ERROR_PREFIX}{line}\n"
                                  for line in error.message.splitlines())
                path.write_text(comment + text, encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
