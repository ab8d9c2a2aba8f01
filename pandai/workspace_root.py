"""Finding the workspace folder and reading its language, without loading the workspace.

The command line reads the language before it builds any command, because help texts are
translated when they are built. This module imports nothing heavier than :mod:`pandai.errors`,
so that ``pandai --help`` does not load what :mod:`pandai.workspace` needs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pandai.errors import WorkspaceNotFound
from pandai.i18n import _

CONFIG_FILE = "pandai.yaml"


def find_root(explicit: Path | None = None, start: Path | None = None) -> Path:
    """Return the workspace folder; raise WorkspaceNotFound with how to create one."""
    if explicit is None and os.environ.get("PANDAI_WORKSPACE"):
        explicit = Path(os.environ["PANDAI_WORKSPACE"])
    if explicit is not None:
        root = explicit.expanduser().resolve()
        if (root / CONFIG_FILE).is_file():
            return root
        if root.is_file():
            raise WorkspaceNotFound(
                _("{path} is a file, not a workspace folder. Give the folder that contains "
                  "pandai.yaml.").format(path=explicit))
        raise WorkspaceNotFound(
            _("{path} is not a Pandai workspace (it has no pandai.yaml). Create one with "
              "'pandai init {path}'.").format(path=explicit))

    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise WorkspaceNotFound(
        _("Not inside a Pandai workspace: no pandai.yaml in {path} or any folder above it. "
          "Create one with 'pandai init', or point to one with --workspace or "
          "PANDAI_WORKSPACE.").format(path=folder))


_LANGUAGE_LINE = re.compile(r"""^language:[ \t]*["']?([A-Za-z_-]+)["']?[ \t]*(#.*)?$""", re.M)


def language_of(explicit: Path | None = None) -> str | None:
    """Return the language setting of the workspace a command would use, or None.

    The top-level ``language:`` line is read without a YAML parser, because loading one costs
    more than the rest of ``pandai --help``. The command itself reports an invalid file later.
    """
    try:
        root = find_root(explicit)
        text = (root / CONFIG_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, WorkspaceNotFound):
        return None
    match = _LANGUAGE_LINE.search(text)
    return match.group(1) if match else "hu"
