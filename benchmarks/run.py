"""Time pandai against reference tools on generated workspaces and print a table of ratios.

Every ratio compares two timings taken in the same run on the same machine: pandai's time
divided by the reference's (grep, PyYAML's C loader, ``python -c pass``, sqlite-utils, khard).
Each timing is the median of several runs of a fresh process.

The tools run from a virtual environment of their own, ``benchmarks/.venv`` (ignored by git),
which this script creates with pandai's dependencies, sqlite-utils and khard. pandai itself
runs from this repository's source through PYTHONPATH, so the numbers are those of the working
tree, without the start-up cost of an editable install.

Usage: python benchmarks/run.py [--clients 10000] [--work DIR] [--repeat 5] [--skip-cold]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / "benchmarks" / ".venv"
sys.path.insert(0, str(REPO / "benchmarks"))

from generate import generate, write_vcards  # noqa: E402 - needs benchmarks/ on sys.path.

BIN = VENV / "bin"
PYTHON = BIN / "python"
ENVIRONMENT = {
    **os.environ,
    "PYTHONPATH": str(REPO),
    "PANDAI_LANG": "en",
    "PANDAI_USER": "anna",
    "NO_COLOR": "1",
    "GIT_AUTHOR_NAME": "Nagy Anna", "GIT_AUTHOR_EMAIL": "anna@pelda.hu",
    "GIT_COMMITTER_NAME": "Nagy Anna", "GIT_COMMITTER_EMAIL": "anna@pelda.hu",
}
ENTRY = "import sys\nfrom pandai.cli.entry import main\nsys.exit(main())\n"
CLOAD = ("import sys, glob, yaml\n"
         "for path in glob.glob(sys.argv[1] + '/*.yaml'):\n"
         "    with open(path, encoding='utf-8') as stream:\n"
         "        yaml.load(stream.read(), Loader=yaml.CBaseLoader)\n")
KHARD_CONFIG = """[addressbooks]
[[bench]]
path = {path}

[general]
default_action = list
editor = true
merge_editor = true
"""


def prepare_venv() -> None:
    """Create benchmarks/.venv with pandai's dependencies, sqlite-utils and khard, and compile
    the working tree's modules."""
    if not ((BIN / "khard").exists() and (BIN / "sqlite-utils").exists()):
        venv.create(VENV, with_pip=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", str(REPO), "sqlite-utils",
                        "khard"], check=True)
    # An installed pandai runs from compiled modules. Where PYTHONDONTWRITEBYTECODE is set, a
    # module changed since its last compilation would otherwise be compiled again on every
    # run: 3 ms for gitops.py alone, which is 3 % of a warm list.
    subprocess.run([str(PYTHON), "-m", "compileall", "-q", str(REPO / "pandai")], check=True)


def pandai(*args: str) -> list[str]:
    # What the console script that pip installs runs, with the working tree's pandai first on
    # PYTHONPATH. ("python -m pandai" adds runpy's few milliseconds, and the installed script
    # may predate the current entry point.)
    return [str(PYTHON), "-c", ENTRY, *args]


class Timing:
    """Medians of several runs: wall time and CPU time (user + system) in seconds."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.cpus: list[float] = []

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


def run_once(command: list[str], cwd: Path | None = None,
             environment: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Run a command; return its wall time, CPU time (seconds) and peak memory (KiB).

    ``environment`` defaults to ENVIRONMENT. Raise RuntimeError when the command fails (grep's
    "no match", status 1, is no failure).
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=environment or ENVIRONMENT,
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
    process.stderr.close()
    allowed = (0, 1) if command[0] == "grep" else (0,)
    if os.waitstatus_to_exitcode(status) not in allowed:
        raise RuntimeError(f"{' '.join(command)} failed: {errors}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def compare(commands: list[list[str]], repeat: int, cwd: Path | None = None,
            before=None) -> list[Timing]:
    """Time commands in turn, ``repeat`` rounds, so that load on the machine hits all alike.

    ``before`` runs untimed before each pandai run (the first command).
    """
    timings = [Timing() for _command in commands]
    for _round in range(repeat):
        for position, (command, timing) in enumerate(zip(commands, timings)):
            if before and position == 0:
                before()
            wall, cpu, _memory = run_once(command, cwd)
            timing.walls.append(wall)
            timing.cpus.append(cpu)
    return timings


def machine() -> str:
    """Return a one-line description of the machine and the tools' versions."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {git}")


def make_csv(path: Path, count: int) -> None:
    """Write a CSV of ``count`` new clients with Hungarian headers."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Név", "Cég", "E-mail", "Telefon", "Érték"])
        for number in range(count):
            writer.writerow([f"Import Ügyfél {number}", f"Cég {number % 500} Kft.",
                             f"ugyfel{number}@pelda.hu", f"+3630{2000000 + number:07d}",
                             f"{(number % 90 + 1) * 10000}"])


def measure(count: int, work: Path, repeat: int, skip_cold: bool) -> list[tuple]:
    """Run every measurement on ``count`` clients; return the table rows."""
    workspace = work / f"ws{count}"
    marker = workspace / ".generated"
    if not marker.exists():
        print(f"generating {count} clients in {workspace} …", flush=True)
        generate(workspace, count)
        marker.write_text(str(count))
    clients = workspace / "clients"
    rows = []

    def row(name: str, mine: Timing | float, reference_name: str,
            reference: Timing | float, limit: float | None, unit: str = "s") -> None:
        mine_value = mine.wall if isinstance(mine, Timing) else mine
        reference_value = reference.wall if isinstance(reference, Timing) else reference
        ratio = mine_value / reference_value
        cpu_ratio = f"{mine.cpu / reference.cpu:.2f}" if isinstance(mine, Timing) and \
            isinstance(reference, Timing) and reference.cpu else ""
        if limit is None:
            verdict = ""
        else:
            verdict = "yes" if ratio <= limit else "NO"
        rows.append((name, f"{mine_value:.3f} {unit}", reference_name,
                     f"{reference_value:.3f} {unit}", f"{ratio:.2f}", cpu_ratio,
                     "" if limit is None else f"≤ {limit:g}", verdict))
        print(rows[-1], flush=True)

    listing = pandai("-w", str(workspace), "list", "--view", "mine", "--format", "ids")
    run_once(listing)
    warm, grep = compare([listing, ["grep", "-rl", "owner: anna", str(clients)]], repeat)
    row(f"list mine, warm ({count})", warm, "grep -rl", grep, 3 if count <= 10000 else 1)

    if not skip_cold:
        cold, cload = compare([listing, [str(PYTHON), "-c", CLOAD, str(clients)]],
                              max(1, repeat // 2),
                              before=lambda: shutil.rmtree(workspace / ".pandai", True))
        row(f"list mine, cold ({count})", cold, "C loader, every file", cload, 1)

    run_once(listing)
    memory = run_once(listing)[2] / 1024
    row(f"list mine, peak memory ({count})", memory, "limit", 200.0, 1, "MiB")

    if count <= 10000:
        usage, version, python = compare([pandai("--help"), pandai("--version"),
                                          [str(PYTHON), "-c", "pass"]], repeat * 2, cwd=work)
        row("pandai --help", usage, "python -c pass", python, 10)
        row("pandai --version", version, "python -c pass", python, 10)

    # Each repetition changes the client, so that every run makes a commit.
    target = sorted(name[:-5] for name in os.listdir(clients) if name.endswith(".yaml"))[0]
    run_once(pandai("-w", str(workspace), "status", target, "Új lead"))
    statuses = ["Kapcsolatfelvétel alatt", "Ajánlat elküldve"]
    limit = 0.5 if count <= 10000 else 1.0
    for name, commands in (
            ("note", [pandai("-w", str(workspace), "note", target, f"Hívás {number}", "--call")
                      for number in range(repeat)]),
            ("edit", [pandai("-w", str(workspace), "edit", target, f"value={1000 + number}")
                      for number in range(repeat)]),
            ("status", [pandai("-w", str(workspace), "status", target, statuses[number % 2])
                        for number in range(repeat)])):
        seconds = statistics.median(run_once(command)[0] for command in commands)
        row(f"{name} + commit ({count})", seconds, "limit", limit, 1)

    khard_folder = work / f"vcards{count}"
    if not (khard_folder / ".generated").exists():
        shutil.rmtree(khard_folder, True)
        write_vcards(workspace, khard_folder)
        (khard_folder / ".generated").write_text(str(count))
    config = work / f"khard{count}.conf"
    config.write_text(KHARD_CONFIG.format(path=khard_folder))
    table, khard = compare([pandai("-w", str(workspace), "list", "owner=anna"),
                            [str(BIN / "khard"), "-c", str(config), "list", "anna"]],
                           max(1, repeat // 2))
    row(f"list owner=anna as a table ({count})", table, "khard list anna", khard, None)
    return rows


def measure_import(work: Path, repeat: int, count: int = 10000) -> list[tuple]:
    """Time a CSV import with its commit against sqlite-utils insert of the same file."""
    source = work / f"import{count}.csv"
    make_csv(source, count)
    rows = []
    database = work / "import.db"
    sqlite, imports = Timing(), Timing()
    # Each round imports into a workspace of its own, and all are removed at the end. Without a
    # journal, ext4 does not reuse an inode for 60 s after its deletion, or for 360 s while its
    # inode table block is unwritten (recently_deleted in Linux's fs/ext4/ialloc.c). So
    # removing the last round's 10 000 files just before an import made ext4 skip past them
    # for each new file, and creating the files took up to 1.5 s of kernel time, not 0.1 s.
    targets = [work / f"import-ws-{number}" for number in range(max(1, repeat // 2))]
    for target in targets:
        shutil.rmtree(target, True)
    for target in targets:
        database.unlink(missing_ok=True)
        wall, cpu, _memory = run_once([str(BIN / "sqlite-utils"), "insert", str(database),
                                       "clients", str(source), "--csv"])
        sqlite.walls.append(wall)
        sqlite.cpus.append(cpu)
        run_once(pandai("init", str(target), "--lang", "en"))
        wall, cpu, _memory = run_once(pandai("-w", str(target), "import", str(source), "--yes"))
        imports.walls.append(wall)
        imports.cpus.append(cpu)
    for target in targets:
        shutil.rmtree(target, True)
    mine, reference = imports.wall, sqlite.wall
    rows.append((f"import {count} CSV rows + commit", f"{mine:.3f} s", "sqlite-utils insert",
                 f"{reference:.3f} s", f"{mine / reference:.2f}",
                 f"{imports.cpu / sqlite.cpu:.2f}", "≤ 5",
                 "yes" if mine / reference <= 5 else "NO"))
    print(rows[-1], flush=True)
    return rows


def print_table(rows: list[tuple]) -> None:
    headers = ("measure", "pandai", "reference", "reference time", "ratio", "CPU ratio",
               "target", "met")
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for values in rows:
        print("| " + " | ".join(values) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10000],
                        help="workspace sizes to measure (default: 10000)")
    parser.add_argument("--work", type=Path, help="folder for generated data (kept); "
                        "default: a new temporary folder")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold-start timing")
    parser.add_argument("--skip-import", action="store_true", help="skip the import timing")
    arguments = parser.parse_args()

    prepare_venv()
    work = arguments.work or Path(tempfile.mkdtemp(prefix="pandai-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the start")
    print(f"data: {work}")
    rows = []
    for count in arguments.clients:
        rows += measure(count, work, arguments.repeat, arguments.skip_cold)
    if not arguments.skip_import:
        rows += measure_import(work, arguments.repeat)
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
