"""The cache's quick check: git's index checksum, ``git ls-files -m`` and the folder listing.

Once git has reported every client file clean and equal to its cached hash, later loads under
the same index ask git only for the files that differ, and look at the folder only when its
stamp changed. Each test changes the workspace the way a user or git does and compares the
load with one that parses every file.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import commit_all, git
from test_cache import CACHE, as_records, load, load_cold, set_owner

from pandai import cache_snapshot
from pandai.cache_snapshot import GitReport, index_checksum
from pandai.cli import entry

QUICK = "unchanged since the cache was written"


def quick_load(ws: Path, caplog: pytest.LogCaptureFixture) -> bool:
    """Load ``ws`` through the cache; return True when the quick check proved every file."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="pandai.cache"):
        load(ws)
    return any(QUICK in record.getMessage() for record in caplog.records)


def stored_listing(ws: Path) -> str:
    with sqlite3.connect(ws / CACHE) as database:
        (listing,) = database.execute(
            "SELECT listing FROM proofs WHERE folder = 'clients'").fetchone()
    return listing


@pytest.fixture
def proved(demo: Path, caplog: pytest.LogCaptureFixture) -> Path:
    """The demo workspace with a cache that git has proved."""
    load(demo)
    assert quick_load(demo, caplog)
    return demo


def test_quick_check_after_proof(proved: Path, monkeypatch: pytest.MonkeyPatch,
                                 caplog: pytest.LogCaptureFixture) -> None:
    assert quick_load(proved, caplog)
    assert as_records(load(proved)) == as_records(load_cold(proved, monkeypatch))


def test_same_second_edit_seen(proved: Path, monkeypatch: pytest.MonkeyPatch,
                               caplog: pytest.LogCaptureFixture) -> None:
    path = proved / "clients" / "kiss-peter.yaml"
    set_owner(path, "bela")
    assert not quick_load(proved, caplog)
    owners = {client.id: client.get("owner") for client in load(proved).clients}
    assert owners["kiss-peter"] == "bela"
    assert as_records(load(proved)) == as_records(load_cold(proved, monkeypatch))


def test_touched_file_still_quick(proved: Path, monkeypatch: pytest.MonkeyPatch,
                                  caplog: pytest.LogCaptureFixture) -> None:
    # Same content, new stat data: git compares the content and finds the file unchanged.
    path = proved / "clients" / "kiss-peter.yaml"
    later = time.time_ns() + 5 * 10**9
    os.utime(path, ns=(later, later))
    assert quick_load(proved, caplog)
    assert as_records(load(proved)) == as_records(load_cold(proved, monkeypatch))


def test_touched_then_edited(proved: Path, monkeypatch: pytest.MonkeyPatch,
                             caplog: pytest.LogCaptureFixture) -> None:
    path = proved / "clients" / "kiss-peter.yaml"
    stamp = path.stat().st_mtime_ns
    set_owner(path, "bela")
    os.utime(path, ns=(stamp, stamp))
    assert not quick_load(proved, caplog)
    owners = {client.id: client.get("owner") for client in load(proved).clients}
    assert owners["kiss-peter"] == "bela"
    assert as_records(load(proved)) == as_records(load_cold(proved, monkeypatch))


def test_commit_changes_checksum(proved: Path, monkeypatch: pytest.MonkeyPatch,
                                 caplog: pytest.LogCaptureFixture) -> None:
    set_owner(proved / "clients" / "kiss-peter.yaml", "bela")
    commit_all(proved, "Give kiss-peter to bela")
    assert not quick_load(proved, caplog)
    assert quick_load(proved, caplog)
    owners = {client.id: client.get("owner") for client in load(proved).clients}
    assert owners["kiss-peter"] == "bela"
    git(proved, "checkout", "-q", "HEAD~1")
    assert not quick_load(proved, caplog)
    assert as_records(load(proved)) == as_records(load_cold(proved, monkeypatch))


def test_untracked_file_after_proof(proved: Path, monkeypatch: pytest.MonkeyPatch,
                                    caplog: pytest.LogCaptureFixture) -> None:
    extra = proved / "clients" / "uj-ugyfel.yaml"
    extra.write_text("name: Új Ügyfél\nowner: anna\n", "utf-8")
    assert not quick_load(proved, caplog)
    assert "uj-ugyfel" in [client.id for client in load(proved).clients]
    extra.unlink()
    assert as_records(load(proved)) == as_records(load_cold(proved, monkeypatch))


def test_settled_folder_stamp(proved: Path, monkeypatch: pytest.MonkeyPatch,
                              caplog: pytest.LogCaptureFixture) -> None:
    # The folder's stamp is stored once the folder is older than the racy window (2 s).
    assert stored_listing(proved).startswith("- ")
    time.sleep(2.2)
    assert quick_load(proved, caplog)
    assert not stored_listing(proved).startswith("- ")
    assert quick_load(proved, caplog)

    extra = proved / "clients" / "uj-ugyfel.yaml"
    extra.write_text("name: Új Ügyfél\nowner: anna\n", "utf-8")
    assert not quick_load(proved, caplog)
    assert "uj-ugyfel" in [client.id for client in load(proved).clients]
    extra.unlink()
    (proved / "clients" / "kiss-peter.yaml").unlink()
    ids = [client.id for client in load(proved).clients]
    assert "uj-ugyfel" not in ids
    assert "kiss-peter" not in ids
    assert as_records(load(proved)) == as_records(load_cold(proved, monkeypatch))


def test_index_without_checksum(proved: Path, monkeypatch: pytest.MonkeyPatch,
                                caplog: pytest.LogCaptureFixture) -> None:
    # A work tree whose .git is a file keeps its index elsewhere: only the full report runs.
    os.rename(proved / ".git", proved / "gitdir")
    (proved / ".git").write_text(f"gitdir: {proved / 'gitdir'}\n", "utf-8")
    assert not quick_load(proved, caplog)
    set_owner(proved / "clients" / "kiss-peter.yaml", "bela")
    assert not quick_load(proved, caplog)
    assert as_records(load(proved)) == as_records(load_cold(proved, monkeypatch))


def test_garbage_collection_keeps_live_blobs(proved: Path, caplog: pytest.LogCaptureFixture
                                             ) -> None:
    # Dead blobs beyond twice the live ones make the next write collect them.
    with sqlite3.connect(proved / CACHE) as database:
        database.executemany("INSERT INTO blobs (key, data) VALUES (?, ?)",
                             ((os.urandom(20), b"dead") for _index in range(300)))
    set_owner(proved / "clients" / "kiss-peter.yaml", "bela")
    load(proved)
    with sqlite3.connect(proved / CACHE) as database:
        (count,) = database.execute("SELECT count(*) FROM blobs").fetchone()
    assert count < 300

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pandai.cached_client"):
        notes = [client.notes for client in load(proved).clients]
    assert all(notes)
    assert not [record for record in caplog.records if "no cached data" in record.getMessage()]


def prefetch(ws: Path) -> tuple[Path, GitReport]:
    """Prefetch the quick report of ``ws``'s clients folder; return the folder and the report."""
    folder = ws / "clients"
    GitReport.prefetch(ws, folder)
    return folder, cache_snapshot._prefetched[(str(ws), str(folder))][1]


def test_prefetched_report_taken(proved: Path) -> None:
    folder, early = prefetch(proved)
    report = GitReport.start(proved, folder, True, index_checksum(proved))
    assert report is early
    assert report.finish()
    assert report.nothing_changed()
    assert not cache_snapshot._prefetched


def test_prefetched_report_dropped_after_commit(proved: Path) -> None:
    # git may have read the new index, so a load under it starts a report of its own.
    folder, early = prefetch(proved)
    set_owner(folder / "kiss-peter.yaml", "bela")
    commit_all(proved, "Give kiss-peter to bela")
    report = GitReport.start(proved, folder, True, index_checksum(proved))
    assert report is not early
    assert early.process.returncode is not None
    assert report.finish()


def test_prefetched_report_dropped_for_full(proved: Path) -> None:
    folder, early = prefetch(proved)
    report = GitReport.start(proved, folder, False)
    assert report is not early
    assert not report.quick
    assert early.process.returncode is not None
    report.finish()


def test_list_process_sees_same_second_edit(proved: Path) -> None:
    # A real run goes through the entry point, which starts git's report before the rest
    # loads. A same-size edit right after the last list must still show.
    command = [sys.executable, "-m", "pandai", "-w", str(proved), "list", "owner=bela",
               "--format", "ids"]
    environment = {**os.environ, "PANDAI_LANG": "en"}
    before = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert before.returncode == 0, before.stderr
    assert "kiss-peter" not in before.stdout.split()
    path = proved / "clients" / "kiss-peter.yaml"
    size = path.stat().st_size
    set_owner(path, "bela")
    assert path.stat().st_size == size
    after = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert after.returncode == 0, after.stderr
    assert "kiss-peter" in after.stdout.split()


@pytest.mark.parametrize(("arguments", "expected"), [
    (["list"], ("list", None)),
    (["-w", "ws", "list", "owner=anna"], ("list", Path("ws"))),
    (["--workspace=ws", "--verbose", "list"], ("list", Path("ws"))),
    (["--color", "never", "-w", "ws", "show", "x"], ("show", Path("ws"))),
    (["-wws", "list"], (None, None)),
    (["--unknown", "list"], (None, None)),
    (["-w"], (None, None)),
])
def test_entry_reads_command(arguments: list[str], expected: tuple) -> None:
    assert entry._command_and_workspace(arguments) == expected
