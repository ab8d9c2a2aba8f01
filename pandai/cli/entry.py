"""The console entry point: prints the version before loading the command line.

Loading Typer, click and the commands takes most of a short run's time, and ``--version`` needs
none of it.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run ``pandai`` with the arguments of this process."""
    if sys.argv[1:] == ["--version"]:
        from pandai import __version__

        print(f"pandai {__version__}")
        sys.exit(0)

    from pandai.cli.main import main as run_main

    run_main()
