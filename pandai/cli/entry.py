"""The console entry point: work that can start before the command line is loaded.

Loading Typer, click and the commands takes most of a short run's time. ``--version`` needs
none of it, and ``list`` starts git's report on the clients folder first, so that git runs
while the rest loads.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Global options that take a value, as pandai.cli.main defines them.
_VALUE_OPTIONS = ("--workspace", "-w", "--color")
_FLAG_OPTIONS = ("--verbose", "--debug", "--no-pager")


def main() -> None:
    """Run ``pandai`` with the arguments of this process."""
    if sys.argv[1:] == ["--version"]:
        from pandai import __version__

        print(f"pandai {__version__}")
        sys.exit(0)

    _prefetch_git_report(sys.argv[1:])
    from pandai.cli.main import main as run_main

    run_main()


def _prefetch_git_report(arguments: list[str]) -> None:
    """Start git's quick report on the clients folder when the command is ``list``.

    The load takes the report only if git's index is still the one it was started under (see
    GitReport.prefetch). Any other case, or any doubt about the arguments, starts nothing.
    """
    if os.environ.get("PANDAI_CACHE", "").lower() in ("off", "0", "no"):
        return
    command, workspace = _command_and_workspace(arguments)
    if command != "list":
        return
    from pandai.errors import WorkspaceNotFound
    from pandai.workspace_root import find_root

    try:
        root = find_root(workspace)
    except (OSError, WorkspaceNotFound):
        return  # the command reports it
    from pandai.cache_snapshot import GitReport

    GitReport.prefetch(root, root / "clients")


def _command_and_workspace(arguments: list[str]) -> tuple[str | None, Path | None]:
    """Return the command name and the --workspace value of an argument list, when plain."""
    workspace = None
    position = 0
    while position < len(arguments):
        argument = arguments[position]
        option, equals, value = argument.partition("=")
        if argument in _FLAG_OPTIONS:
            position += 1
            continue
        if equals and option in _VALUE_OPTIONS and option.startswith("--"):
            position += 1
        elif argument in _VALUE_OPTIONS and position + 1 < len(arguments):
            value = arguments[position + 1]
            position += 2
        elif argument.startswith("-"):
            return None, None
        else:
            return argument, workspace
        if option in ("--workspace", "-w"):
            workspace = Path(value)
    return None, None
