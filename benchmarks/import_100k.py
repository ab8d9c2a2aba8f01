"""Measure ``pandai import --yes`` of a large CSV file: wall time and peak memory.

The script writes a semicolon-separated CSV of invented Hungarian clients (name, company,
e-mail, phone, status, value, next action, note) into a temporary folder, creates a fresh
workspace there with ``pandai init``, and runs the import as a subprocess. It prints the wall
time of the import and the peak resident memory of the largest child process, as
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` reports it (kilobytes on Linux). That figure
includes ``pandai init`` and the git processes pandai waits for, so it is an upper bound for
the import itself.

Usage: python benchmarks/import_100k.py [--rows N] [--keep]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SURNAMES = ("Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh",
            "Farkas", "Balogh", "Papp", "Takács", "Juhász", "Lakatos", "Mészáros", "Oláh")
GIVEN_NAMES = ("Péter", "Anna", "Gábor", "Judit", "László", "Katalin", "Zoltán", "Éva",
               "István", "Erzsébet", "Attila", "Mária", "Tamás", "Ildikó", "Réka", "Ádám")
STATUSES = ("Új lead", "Kapcsolatfelvétel alatt", "Ajánlat elküldve", "Ügyfél (megnyert)")
ENVIRONMENT = {"PANDAI_LANG": "en", "PANDAI_USER": "anna", "NO_COLOR": "1",
               "GIT_AUTHOR_NAME": "Nagy Anna", "GIT_AUTHOR_EMAIL": "anna@pelda.hu",
               "GIT_COMMITTER_NAME": "Nagy Anna", "GIT_COMMITTER_EMAIL": "anna@pelda.hu"}


def write_csv(path: Path, rows: int) -> None:
    """Write ``rows`` clients; every e-mail and phone is unique, so no row is a duplicate."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("Ügyfél neve;Cég;E-mail;Telefon;Státusz;Érték;Következő teendő;"
                     "Megjegyzés\r\n")
        for number in range(rows):
            surname = SURNAMES[number % len(SURNAMES)]
            given = GIVEN_NAMES[(number // len(SURNAMES)) % len(GIVEN_NAMES)]
            stream.write(f"{surname} {given} {number};{surname} és Társa Kft.;"
                         f"ugyfel{number}@pelda.hu;06 30 {number // 10000:03d} {number % 10000:04d};"
                         f"{STATUSES[number % len(STATUSES)]};{(number % 50) * 100000} Ft;"
                         f"2026. 12. {number % 28 + 1:02d}.;Hívás {number}: ajánlatot kér.\r\n")


def pandai(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # The working tree's pandai, not a copy that pip may have installed into this Python.
    environment = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "pandai", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    arguments = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="pandai-import-bench-"))
    try:
        source = folder / "ugyfelek.csv"
        write_csv(source, arguments.rows)
        workspace = folder / "ws"
        created = pandai("init", str(workspace), "--lang", "hu", cwd=folder)
        if created.returncode != 0:
            print(created.stderr, file=sys.stderr)
            return 1

        started = time.perf_counter()
        result = pandai("-w", str(workspace), "import", str(source), "--yes", cwd=folder)
        elapsed = time.perf_counter() - started
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if result.returncode != 0:
            print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
            return 1

        written = len(list((workspace / "clients").glob("*.yaml")))
        print(f"rows: {arguments.rows}")
        print(f"clients written: {written}")
        print(f"source size: {source.stat().st_size / 1e6:.1f} MB")
        print(f"wall time: {elapsed:.1f} s")
        print(f"peak RSS (largest child): {peak_kb / 1024:.0f} MB")
        print(f"python: {platform.python_version()}, cpus: {os.cpu_count()}")
        print(result.stdout.strip().splitlines()[-1])
        return 0
    finally:
        if arguments.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
