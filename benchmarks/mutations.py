"""Time ``note``, ``edit`` and ``status`` with their commits, and the git commands inside them.

Each round runs the three commands in turn on one client of WORKSPACE, so that other load on the
machine hits all three alike. Every command changes the client, so every run makes a commit:
run it on a copy of a generated workspace (``benchmarks/generate.py``), never on real data.
For each command it prints the median wall time and the median CPU time, which is user +
system time of pandai and of the git processes it waited for. ``--git`` adds the median time
of each git command, read from git's own trace (GIT_TRACE2_EVENT).

``--source DIR`` runs pandai from another checkout, such as an older commit unpacked with
``git archive COMMIT pandai | tar -x -C DIR``, so that two versions can be compared on the
same machine and workspace.

Usage: python benchmarks/mutations.py WORKSPACE [--repeat 9] [--client ID] [--source DIR] [--git]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from run import run_once  # noqa: E402 - benchmarks/ is the script's folder.

REPO = Path(__file__).resolve().parents[1]
STATUSES = ("Kapcsolatfelvétel alatt", "Ajánlat elküldve")


def command_lines(workspace: Path, client: str, number: int) -> dict[str, list[str]]:
    """Return the three commands of round ``number``; each one changes the client."""
    pandai = [sys.executable, "-m", "pandai", "-w", str(workspace)]
    return {"note": [*pandai, "note", client, f"Hívás {number}", "--call"],
            "edit": [*pandai, "edit", client, f"value={1000 + number}"],
            "status": [*pandai, "status", client, STATUSES[number % 2]]}


def run_timed(command: list[str], environment: dict[str, str], folder: Path
              ) -> tuple[float, float]:
    """Run a command in ``folder``; return its wall and CPU time in seconds, or raise
    RuntimeError."""
    # "python -m" imports from the current folder first, so it must not be a checkout.
    wall, cpu, _memory = run_once(command, cwd=folder, environment=environment)
    return wall, cpu


def git_durations(trace: Path) -> dict[str, float]:
    """Return the seconds the git processes of a GIT_TRACE2_EVENT file ran, by subcommand.

    Only processes that pandai started count; a child of git (such as the maintenance that
    git commit starts) is inside its parent's time.
    """
    names, durations = {}, defaultdict(float)
    if not trace.exists():
        return durations
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        event = json.loads(line)
        if "/" in event["sid"]:
            continue
        if event["event"] == "cmd_name":
            names[event["sid"]] = event["name"]
        elif event["event"] == "exit" and event["sid"] in names:
            durations[names[event["sid"]]] += event["t_abs"]
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path, help="a generated workspace that may be changed")
    parser.add_argument("--repeat", type=int, default=9, help="rounds (default: 9)")
    parser.add_argument("--client", help="the client to change (default: the first by id)")
    parser.add_argument("--source", type=Path, default=REPO,
                        help="the checkout to run pandai from (default: this one)")
    parser.add_argument("--git", action="store_true", help="also time each git command")
    arguments = parser.parse_args()

    workspace = arguments.workspace.resolve()
    client = arguments.client or min(name[:-5] for name in os.listdir(workspace / "clients")
                                     if name.endswith(".yaml"))
    environment = {**os.environ, "PYTHONPATH": str(arguments.source.resolve()),
                   "PANDAI_LANG": "en", "PANDAI_USER": "anna", "NO_COLOR": "1"}
    print(f"pandai from {arguments.source.resolve()}, client {client}, "
          f"load average {os.getloadavg()[0]:.2f} at the start")

    # Untimed: a status and a value that no round sets, so that the first round changes both.
    pandai = [sys.executable, "-m", "pandai", "-w", str(workspace)]
    run_timed([*pandai, "status", client, "Új lead"], environment, workspace)
    run_timed([*pandai, "edit", client, "value=1"], environment, workspace)

    walls, cpus = defaultdict(list), defaultdict(list)
    git_times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    with tempfile.TemporaryDirectory() as folder:
        trace = Path(folder) / "trace.json"
        for number in range(arguments.repeat):
            for name, command in command_lines(workspace, client, number).items():
                trace.unlink(missing_ok=True)
                if arguments.git:
                    environment["GIT_TRACE2_EVENT"] = str(trace)
                wall, cpu = run_timed(command, environment, workspace)
                walls[name].append(wall)
                cpus[name].append(cpu)
                if arguments.git:
                    for git_command, seconds in git_durations(trace).items():
                        git_times[name][git_command].append(seconds)

    print(f"load average {os.getloadavg()[0]:.2f} at the end; medians of {arguments.repeat} runs")
    for name in walls:
        print(f"{name:8} wall {statistics.median(walls[name]):.3f} s   "
              f"CPU {statistics.median(cpus[name]):.3f} s")
        for git_command, seconds in git_times[name].items():
            print(f"    git {git_command:14} {statistics.median(seconds):.3f} s")


if __name__ == "__main__":
    main()
