"""The client cache: every load returns what parsing every file would, whatever happened since.

Each test compares the cached load with a load that has the cache turned off
(``PANDAI_CACHE=off``), after the change a user or git makes to the files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from conftest import commit_all, commit_count, git, run, uncommitted

from pandai import store
from pandai.cached_client import CachedClient
from pandai.workspace import Workspace

CACHE = Path(".pandai") / "cache.sqlite"


def load(ws: Path, archived: bool = False) -> store.ClientList:
    """Load the clients of ``ws`` through the cache."""
    return store.load_clients(Workspace(ws), archived=archived)


def load_cold(ws: Path, monkeypatch: pytest.MonkeyPatch, archived: bool = False
              ) -> store.ClientList:
    """Load the clients of ``ws`` by parsing every file, as without a cache."""
    with monkeypatch.context() as patch:
        patch.setenv("PANDAI_CACHE", "off")
        return store.load_clients(Workspace(ws), archived=archived)


def as_records(loaded: store.ClientList) -> list[tuple]:
    """Return what a command can see of each client, full data included."""
    return [(client.id, client.data, client.path, client.archived, client.problems,
             client.name, client.notes, client.status_history, client.files)
            for client in loaded.clients]


def problem_texts(loaded: store.ClientList) -> list[str]:
    return [error.message for error in loaded.problems]


def set_owner(path: Path, owner: str) -> None:
    """Replace the owner line of a client file, keeping the file's size when lengths match."""
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text("".join(f"owner: {owner}\n" if line.startswith("owner:") else line
                            for line in lines), "utf-8")


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` and its files unwritable, for root too (which ignores permission bits)."""
    paths = [folder, *folder.iterdir()]
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("chattr is needed to make a folder read-only for root")
        result = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
        if result.returncode != 0:
            pytest.skip(f"chattr +i failed: {result.stderr.decode().strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
    else:
        modes = {path: path.stat().st_mode for path in paths}
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)


@pytest.fixture
def kiss(demo: Path) -> Path:
    """The demo workspace with its cache built by one load."""
    load(demo)
    assert (demo / CACHE).is_file()
    return demo


def test_hit_equals_cold_parse(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load(kiss)
    assert all(isinstance(client, CachedClient) for client in loaded.clients)
    assert as_records(loaded) == as_records(load_cold(kiss, monkeypatch))


def test_summary_answers_like_data(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = {client.id: client for client in load_cold(kiss, monkeypatch).clients}
    keys = [*Workspace(kiss).fieldset.names(), "notes", "files", "no-such-key"]
    for client in load(kiss).clients:
        for key in keys:
            assert client.get(key) == cold[client.id].get(key), (client.id, key)
        assert client.name == cold[client.id].name


def test_clients_compare_equal(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load(kiss).clients == load_cold(kiss, monkeypatch).clients


def test_git_status_stays_clean(kiss: Path) -> None:
    assert uncommitted(kiss) == ""


def test_problems_and_bad_files(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = kiss / "clients" / "kiss-peter.yaml"
    path.write_text(path.read_text("utf-8").replace("value: 1800000", "value: sok"), "utf-8")
    (kiss / "clients" / "broken.yaml").write_text("name: [unclosed\n", "utf-8")
    (kiss / "clients" / "latin2.yaml").write_bytes("name: Kovács\n".encode("iso8859_2"))
    first, second = load(kiss), load(kiss)
    cold = load_cold(kiss, monkeypatch)
    assert as_records(second) == as_records(cold)
    assert as_records(first) == as_records(cold)
    assert problem_texts(second) == problem_texts(cold)
    assert len(problem_texts(second)) == 2
    assert [client.problems for client in second.clients if client.id == "kiss-peter"] != [[]]


def test_problems_follow_language(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pandai.i18n import activate

    path = kiss / "clients" / "kiss-peter.yaml"
    path.write_text(path.read_text("utf-8").replace("value: 1800000", "value: sok"), "utf-8")
    load(kiss)
    activate("hu")
    cached = [client.problems for client in load(kiss).clients]
    assert cached == [client.problems for client in load_cold(kiss, monkeypatch).clients]


def test_same_second_same_size_edit(kiss: Path) -> None:
    path = kiss / "clients" / "kiss-peter.yaml"
    before = path.stat()
    set_owner(path, "bela")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert after.st_size == before.st_size
    assert after.st_mtime_ns == before.st_mtime_ns
    owners = {client.id: client.get("owner") for client in load(kiss).clients}
    assert owners["kiss-peter"] == "bela"


def test_same_size_edit_without_git(kiss: Path) -> None:
    shutil.rmtree(kiss / ".git")
    load(kiss)
    path = kiss / "clients" / "kiss-peter.yaml"
    set_owner(path, "bela")
    assert {c.id: c.get("owner") for c in load(kiss).clients}["kiss-peter"] == "bela"
    set_owner(path, "anna")
    assert {c.id: c.get("owner") for c in load(kiss).clients}["kiss-peter"] == "anna"


def test_old_stat_edit_without_git(kiss: Path) -> None:
    # An edit that keeps size and mtime, long after the snapshot: the ctime still differs.
    shutil.rmtree(kiss / ".git")
    path = kiss / "clients" / "kiss-peter.yaml"
    old = path.stat().st_mtime_ns - 3600 * 10**9
    os.utime(path, ns=(old, old))
    load(kiss)
    set_owner(path, "bela")
    os.utime(path, ns=(old, old))
    assert {c.id: c.get("owner") for c in load(kiss).clients}["kiss-peter"] == "bela"


def test_racy_entry_hashed(kiss: Path) -> None:
    from pandai.cache import Snapshot, _check_files

    folder = kiss / "clients"
    status = (folder / "kiss-peter.yaml").stat()
    stat_data = (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    newest = max(status.st_mtime_ns, status.st_ctime_ns)

    def misses(taken: int) -> list[str]:
        # A snapshot with the file's exact stat data but the hash of other content.
        old = Snapshot(taken, ["kiss-peter.yaml"], [stat_data], ["0" * 40], [], {})
        return _check_files(folder, ["kiss-peter.yaml"], old, taken, {})[1]

    assert misses(newest + 1_000_000_000) == ["kiss-peter.yaml"]
    assert misses(newest + 3_000_000_000) == []


def test_git_checkout_seen(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = kiss / "clients" / "kiss-peter.yaml"
    set_owner(path, "bela")
    commit_all(kiss, "Give kiss-peter to bela")
    assert {c.id: c.get("owner") for c in load(kiss).clients}["kiss-peter"] == "bela"
    git(kiss, "checkout", "-q", "HEAD~1")
    loaded = load(kiss)
    assert {c.id: c.get("owner") for c in loaded.clients}["kiss-peter"] == "anna"
    assert as_records(loaded) == as_records(load_cold(kiss, monkeypatch))
    git(kiss, "checkout", "-q", "-")
    assert {c.id: c.get("owner") for c in load(kiss).clients}["kiss-peter"] == "bela"


def test_deleted_and_new_files(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (kiss / "clients" / "kiss-peter.yaml").unlink()
    (kiss / "clients" / "uj-ugyfel.yaml").write_text("name: Új Ügyfél\nowner: anna\n", "utf-8")
    ids = [client.id for client in load(kiss).clients]
    assert "kiss-peter" not in ids
    assert "uj-ugyfel" in ids
    assert ids == sorted(ids)
    assert as_records(load(kiss)) == as_records(load_cold(kiss, monkeypatch))


def test_archive_folder_cached(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (kiss / "archive").mkdir()
    shutil.move(kiss / "clients" / "kiss-peter.yaml", kiss / "archive" / "kiss-peter.yaml")
    load(kiss, archived=True)
    archived = load(kiss, archived=True)
    assert [client.id for client in archived.clients] == ["kiss-peter"]
    assert archived.clients[0].archived
    assert as_records(archived) == as_records(load_cold(kiss, monkeypatch, archived=True))


def test_corrupt_cache_ignored(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (kiss / CACHE).write_bytes(b"this is not a database" * 100)
    assert as_records(load(kiss)) == as_records(load_cold(kiss, monkeypatch))
    assert as_records(load(kiss)) == as_records(load_cold(kiss, monkeypatch))
    assert (kiss / CACHE).read_bytes().startswith(b"SQLite format 3")


def test_damaged_snapshot_ignored(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    with contextlib.closing(sqlite3.connect(kiss / CACHE)) as database:
        database.execute("UPDATE snapshots SET data = x'00ff'")
        database.execute("DELETE FROM blobs")
        database.commit()
    assert as_records(load(kiss)) == as_records(load_cold(kiss, monkeypatch))


def test_missing_blob_reads_file(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    with contextlib.closing(sqlite3.connect(kiss / CACHE)) as database:
        database.execute("DELETE FROM blobs")
        database.commit()
    assert as_records(load(kiss)) == as_records(load_cold(kiss, monkeypatch))


def test_read_only_cache_folder(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_owner(kiss / "clients" / "kiss-peter.yaml", "bela")
    with read_only(kiss / ".pandai"):
        loaded = load(kiss)
        again = load(kiss)
    assert {c.id: c.get("owner") for c in loaded.clients}["kiss-peter"] == "bela"
    assert as_records(again) == as_records(load_cold(kiss, monkeypatch))


def test_read_only_without_cache(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (demo / ".pandai").mkdir()
    with read_only(demo / ".pandai"):
        loaded = load(demo)
    assert not (demo / CACHE).exists()
    assert as_records(loaded) == as_records(load_cold(demo, monkeypatch))


def test_read_only_state_folder_change(kiss: Path) -> None:
    # A change needs the lock file in .pandai: without it, a plain message and no change.
    (kiss / ".pandai" / "lock").touch()
    before = commit_count(kiss)
    with read_only(kiss / ".pandai"):
        result = run(kiss, "note", "kiss-peter", "Visszahívni")
    assert result.exit_code == 1
    assert "Cannot create the lock file" in result.output
    assert "Traceback" not in result.output
    assert commit_count(kiss) == before
    assert uncommitted(kiss) == ""


def test_many_files_parallel(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Enough files for the second process of a cold load.
    source = demo / "clients" / "kiss-peter.yaml"
    for number in range(1100):
        shutil.copy(source, demo / "clients" / f"copy-{number:04d}.yaml")
    cold = as_records(load_cold(demo, monkeypatch))
    assert as_records(load(demo)) == cold
    assert as_records(load(demo)) == cold


def test_list_json_matches(kiss: Path) -> None:
    cached = run(kiss, "list", "--format", "json")
    cold = run(kiss, "list", "--format", "json", env={"PANDAI_CACHE": "off"})
    assert cached.exit_code == 0
    assert cached.output == cold.output


def test_note_then_list(kiss: Path) -> None:
    ws = kiss
    (ws / "pandai.yaml").write_text((ws / "pandai.yaml").read_text("utf-8").replace(
        "auto_commit: false", "auto_commit: true"), "utf-8")
    commit_all(ws, "Turn commits on")
    result = run(ws, "note", "kiss-peter", "Visszahív", "--call")
    assert result.exit_code == 0, result.output
    shown = run(ws, "list", "id=kiss-peter", "--format", "json")
    assert "Visszahív" in shown.output
    assert uncommitted(ws) == ""


@pytest.mark.parametrize("text", [
    "a: 1", "", "- a\n- b", "a: &x 1\nb: *x", "? [a]\n: 1", "a: !!int 5\nb: !foo {x: 1}",
    "a: b\n---\nc: d", "a: [1, {b: c}]\n", "<<<<<<< HEAD\na: 1\n=======\na: 2\n>>>>>>> x\n",
    "a: 'x*y'", "a: {", "key: |\n  multi\n  line\n", "a: 1\na: 2", "[a, b]: c", "{a: 1}: c",
    "~: null", "'': x", "a: 06301234567\nb: NO\nc: 10:30\n"])
def test_fast_parse_like_yamlio(text: str) -> None:
    from pandai import yamlio
    from pandai.errors import FileError
    from pandai.parse_pool import parse_yaml

    def outcome(parse) -> tuple:
        try:
            return ("value", parse(text, Path("x.yaml")))
        except FileError as error:
            return ("error", error.message, error.line)

    assert outcome(parse_yaml) == outcome(yamlio.parse)


def test_other_format_rebuilt(kiss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    with contextlib.closing(sqlite3.connect(kiss / CACHE)) as database:
        database.execute("DROP TABLE snapshots")
        database.execute("CREATE TABLE snapshots (folder TEXT PRIMARY KEY, data BLOB)")
        database.execute("PRAGMA user_version = 1")
        database.commit()
    assert as_records(load(kiss)) == as_records(load_cold(kiss, monkeypatch))
    with contextlib.closing(sqlite3.connect(kiss / CACHE)) as database:
        assert database.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)
