"""Long tables go through a pager on a terminal, and only there.

Each test runs pandai as a real process on a pseudo-terminal of a set size. The pager is a
small Python script that copies what it receives to a file, so a test can tell whether the
table went through it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

PAGER_SCRIPT = """import os, sys
with open(os.environ["PAGER_COPY"], "w", encoding="utf-8") as copy:
    copy.write(sys.stdin.read())
"""


def run_on_terminal(arguments: list[str], rows: int, tmp_path: Path,
                    env: dict[str, str | None] | None = None,
                    columns: int = 120) -> tuple[str, str | None]:
    """Run ``python -m pandai ARGUMENTS`` on a terminal of ``rows`` x ``columns``.

    Return what the terminal showed and what the pager received (None when no pager ran).
    """
    script = tmp_path / "pager.py"
    script.write_text(PAGER_SCRIPT, encoding="utf-8")
    copy = tmp_path / "paged.txt"
    copy.unlink(missing_ok=True)
    environment = {**os.environ, "PANDAI_LANG": "en", "PANDAI_USER": "anna",
                   "PANDAI_PAGER": f"{sys.executable} {script}", "PAGER_COPY": str(copy),
                   "TERM": "xterm", "NO_COLOR": "1"}
    for name in ("COLUMNS", "LINES", "LESS"):
        environment.pop(name, None)
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "pandai", *arguments], stdin=follower,
                               stdout=follower, stderr=follower, env=environment,
                               close_fds=True)
    os.close(follower)
    screen = b""
    try:
        while True:
            ready, _writable, _errors = select.select([leader], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed when the process ended
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(leader)
        process.wait(timeout=30)
    assert process.returncode == 0, screen.decode(errors="replace")
    paged = copy.read_text(encoding="utf-8") if copy.exists() else None
    return screen.decode("utf-8", errors="replace"), paged


def test_long_table_paged(demo, tmp_path):
    screen, paged = run_on_terminal(["-w", str(demo), "list"], 20, tmp_path)

    assert paged is not None
    assert "kiss-peter" in paged
    assert paged.rstrip().endswith("45 clients")
    assert "kiss-peter" not in screen


def test_short_table_printed(demo, tmp_path):
    screen, paged = run_on_terminal(["-w", str(demo), "list", "owner=anna", "stage=won"], 40,
                                   tmp_path)

    assert paged is None
    assert "client" in screen


def test_table_fits_tall_terminal(demo, tmp_path):
    screen, paged = run_on_terminal(["-w", str(demo), "list"], 80, tmp_path, columns=250)

    assert paged is None
    assert "45 clients" in screen


def test_wrapped_lines_counted(demo, tmp_path):
    # The 48 lines of the table wrap on a narrow terminal, so they fill more than 80 rows.
    screen, paged = run_on_terminal(["-w", str(demo), "list"], 80, tmp_path, columns=60)

    assert paged is not None
    assert "45 clients" in paged
    assert "45 clients" not in screen


def test_no_pager_option(demo, tmp_path):
    screen, paged = run_on_terminal(["--no-pager", "-w", str(demo), "list"], 20, tmp_path)

    assert paged is None
    assert "kiss-peter" in screen
    assert "45 clients" in screen


@pytest.mark.parametrize("setting", ["", "cat"])
def test_pager_turned_off(demo, tmp_path, setting):
    screen, paged = run_on_terminal(["-w", str(demo), "search", "a"], 10, tmp_path,
                                   env={"PANDAI_PAGER": setting})

    assert paged is None
    assert "clients" in screen


def test_search_paged(demo, tmp_path):
    screen, paged = run_on_terminal(["-w", str(demo), "search", "a"], 10, tmp_path)

    assert paged is not None
    assert "clients" in paged
    assert "clients" not in screen


def test_pipe_never_paged(demo, tmp_path):
    script = tmp_path / "pager.py"
    script.write_text(PAGER_SCRIPT, encoding="utf-8")
    copy = tmp_path / "paged.txt"
    environment = {**os.environ, "PANDAI_LANG": "en", "PANDAI_PAGER": f"{sys.executable} {script}",
                   "PAGER_COPY": str(copy), "LINES": "5"}

    result = subprocess.run([sys.executable, "-m", "pandai", "-w", str(demo), "list"],
                            capture_output=True, text=True, env=environment)

    assert result.returncode == 0, result.stderr
    assert "45 clients" in result.stdout
    assert not copy.exists()
