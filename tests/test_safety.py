"""Safety under faults: concurrent processes, kills at random moments, malformed input.

These tests run real pandai processes against real workspaces, sized to finish in seconds.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE_ENV, commit_count, git, run, uncommitted
from pandai import yamlio
from pandai.errors import FileError, PandaiError

PANDAI = [sys.executable, "-m", "pandai"]


def process_env(**extra: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("PANDAI_")}
    environment.update(BASE_ENV)
    environment.update(extra)
    return environment


def test_twelve_concurrent_notes(workspace):
    assert run(workspace, "add", "Kiss Péter", "--email", "peter@pelda.hu").exit_code == 0
    before = commit_count(workspace)
    processes = [subprocess.Popen([*PANDAI, "-w", str(workspace), "note", "kiss-peter",
                                   f"note number {number}"],
                                  env=process_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
                 for number in range(12)]
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_out, err) in zip(processes, outputs):
        assert process.returncode == 0, err.decode()
    notes = yamlio.read(workspace / "clients" / "kiss-peter.yaml")["notes"]
    texts = sorted(note["text"] for note in notes)
    assert texts == sorted(f"note number {number}" for number in range(12))
    assert commit_count(workspace) == before + 12
    assert uncommitted(workspace) == ""


def test_lock_timeout_message(workspace):
    from filelock import FileLock

    (workspace / ".pandai").mkdir(exist_ok=True)
    lock = FileLock(str(workspace / ".pandai" / "lock"))
    with lock:
        result = subprocess.run([*PANDAI, "-w", str(workspace), "add", "Kiss Péter", "--email",
                                 "peter@pelda.hu"], env=process_env(PANDAI_LOCK_TIMEOUT="0.5"),
                                capture_output=True, text=True, check=False)
    assert result.returncode == 6
    assert "Another pandai process is changing this workspace; waiting up to 0.5 s" \
        in result.stderr
    assert "locked by another pandai process" in result.stderr
    assert not (workspace / "clients" / "kiss-peter.yaml").exists()


@pytest.mark.parametrize("value", ["abc", "-1", "nan"])
def test_invalid_lock_timeout(workspace, value):
    before = commit_count(workspace)
    result = run(workspace, "add", "Kiss Péter", "--email", "peter@pelda.hu",
                 env={"PANDAI_LOCK_TIMEOUT": value})
    assert result.exit_code == 4
    assert f"PANDAI_LOCK_TIMEOUT must be a number of seconds, 0 or more, not '{value}'" \
        in result.stderr
    assert commit_count(workspace) == before
    assert not (workspace / "clients" / "kiss-peter.yaml").exists()


def write_import_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(["Név", "E-mail", "Telefon", "Érték"])
        for number in range(rows):
            writer.writerow([f"Ügyfél {number}", f"ugyfel{number}@pelda.hu",
                             f"+3630{1000000 + number}", f"{number} 000 Ft"])


def client_names(ws: Path) -> set[str]:
    return {path.stem for path in (ws / "clients").glob("*.yaml")}


def test_killed_import_all_or_nothing(workspace, tmp_path):
    source = tmp_path / "import.csv"
    write_import_file(source, 300)
    expected = {f"ugyfel-{number}" for number in range(300)}
    random.seed(7)
    outcomes = set()
    for _attempt in range(8):
        target = tmp_path / f"ws{_attempt}"
        git(tmp_path, "clone", "-q", str(workspace), str(target))
        process = subprocess.Popen([*PANDAI, "-w", str(target), "import", str(source), "--yes"],
                                   env=process_env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()

        # The next command completes or ignores the interrupted import, never half of it.
        result = subprocess.run([*PANDAI, "-w", str(target), "list", "--format", "ids"],
                                env=process_env(), capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        names = client_names(target)
        assert names in (set(), expected), len(names)
        for path in (target / "clients").glob("*.yaml"):
            yamlio.read(path)
        assert not (target / ".pandai" / "journal.json").exists()
        assert uncommitted(target) == ""
        # Temporary files of a kill before the journal was written go with the next change.
        assert run(target, "add", "Kiss Péter", "--email", "peter@pelda.hu").exit_code == 0
        assert not list((target / "clients").glob(".*.tmp"))
        outcomes.add(len(names))
    # NOTE: the random delays normally produce both outcomes; either alone is still correct.
    assert outcomes <= {0, 300}


def test_killed_large_import_all_or_nothing(workspace, tmp_path):
    # 1500 rows take the paths of large changes: one syncfs for the staged files, and a pack
    # written by git fast-import before the paths are staged.
    source = tmp_path / "import.csv"
    write_import_file(source, 1500)
    random.seed(13)
    for attempt in range(4):
        target = tmp_path / f"ws{attempt}"
        git(tmp_path, "clone", "-q", str(workspace), str(target))
        process = subprocess.Popen([*PANDAI, "-w", str(target), "import", str(source), "--yes"],
                                   env=process_env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.3, 1.6))
        process.send_signal(signal.SIGKILL)
        process.wait()

        result = subprocess.run([*PANDAI, "-w", str(target), "list", "--format", "ids"],
                                env=process_env(), capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert len(client_names(target)) in (0, 1500)
        assert not (target / ".pandai" / "journal.json").exists()
        assert uncommitted(target) == ""
        assert git(target, "fsck", "--no-progress", "--no-dangling") == ""


def processes_using(ws: Path) -> list[int]:
    """Return the ids of running processes whose command line names ``ws``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(ws).encode() in arguments and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="lists processes through /proc")
def test_killed_import_second_process_ends(workspace, tmp_path):
    # 5000 rows are checked in a second process, and their contents streamed to git. A kill
    # of the import while both run must end them, so that the next change gets the lock.
    source = tmp_path / "import.csv"
    write_import_file(source, 5000)
    random.seed(29)
    for attempt in range(3):
        target = tmp_path / f"ws{attempt}"
        git(tmp_path, "clone", "-q", str(workspace), str(target))
        process = subprocess.Popen([*PANDAI, "-w", str(target), "import", str(source), "--yes"],
                                   env=process_env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.5, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()

        deadline = time.monotonic() + 10
        while processes_using(target) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_using(target) == []
        added = subprocess.run([*PANDAI, "-w", str(target), "add", "Kiss Péter", "--email",
                                "peter@pelda.hu"], env=process_env(PANDAI_LOCK_TIMEOUT="5"),
                               capture_output=True, text=True, check=False)
        assert added.returncode == 0, added.stderr
        assert len(client_names(target)) in (1, 5001)
        assert not list((target / "clients").glob(".*.tmp"))
        assert not (target / ".pandai" / "journal.json").exists()
        assert uncommitted(target) == ""
        assert git(target, "fsck", "--no-progress", "--no-dangling") == ""


def test_failed_sync_changes_nothing(workspace, tmp_path, monkeypatch):
    source = tmp_path / "import.csv"
    write_import_file(source, 100)
    before = commit_count(workspace)

    def fail(paths):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(yamlio, "sync_files", fail)
    result = run(workspace, "import", str(source), "--yes")

    assert result.exit_code != 0
    assert client_names(workspace) == set()
    assert list((workspace / "clients").glob(".*.tmp")) == []
    assert not (workspace / ".pandai" / "journal.json").exists()
    assert commit_count(workspace) == before


def test_killed_note_leaves_file_readable(workspace, tmp_path):
    assert run(workspace, "add", "Kiss Péter", "--email", "peter@pelda.hu").exit_code == 0
    random.seed(11)
    for attempt in range(10):
        process = subprocess.Popen([*PANDAI, "-w", str(workspace), "note", "kiss-peter",
                                    f"attempt {attempt}", "--call"], env=process_env(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.0, 0.6))
        process.send_signal(signal.SIGKILL)
        process.wait()
        result = subprocess.run([*PANDAI, "-w", str(workspace), "show", "kiss-peter", "-f",
                                 "json"], env=process_env(), capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, result.stderr
    yamlio.read(workspace / "clients" / "kiss-peter.yaml")


def test_killed_notes_each_committed(workspace):
    assert run(workspace, "add", "Kiss Péter", "--email", "peter@pelda.hu").exit_code == 0
    random.seed(12)
    for attempt in range(8):
        process = subprocess.Popen([*PANDAI, "-w", str(workspace), "note", "kiss-peter",
                                    f"attempt {attempt}"], env=process_env(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.05, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        # A kill inside git can leave its lock files. A user removes them, as git's error
        # message suggests, once no git process runs.
        for lock in (".git/index.lock", ".git/HEAD.lock", ".git/refs/heads/main.lock"):
            (workspace / lock).unlink(missing_ok=True)
        result = subprocess.run([*PANDAI, "-w", str(workspace), "list", "--format", "ids"],
                                env=process_env(), capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert uncommitted(workspace) == ""
    notes = yamlio.read(workspace / "clients" / "kiss-peter.yaml").get("notes") or []
    commits = git(workspace, "log", "--format=%s", "--", "clients/kiss-peter.yaml").splitlines()
    assert len(notes) == commits.count("pandai: note kiss-peter (note)")


def test_journal_rolled_forward(workspace):
    from pandai import journal

    (workspace / "clients").mkdir(exist_ok=True)
    staged = workspace / "clients" / ".kiss-peter.yaml.abc.tmp"
    staged.write_text("name: Kiss Péter\nemail: peter@pelda.hu\n", encoding="utf-8")
    journal.write_journal(workspace, "add kiss-peter",
                          [["write", "clients/.kiss-peter.yaml.abc.tmp",
                            "clients/kiss-peter.yaml"]],
                          [workspace / "clients" / "kiss-peter.yaml"])
    before = commit_count(workspace)
    result = run(workspace, "list", "--format", "ids")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["kiss-peter"]
    assert commit_count(workspace) == before + 1
    assert uncommitted(workspace) == ""
    assert "interrupted while it saved the change 'add kiss-peter'" in result.stderr


# Writes a change's journal and then gets Ctrl-C (KeyboardInterrupt) before applying it, as an
# import that the user stops while its files are renamed into place.
INTERRUPTED_AFTER_JOURNAL = """
import sys
from pathlib import Path
from pandai import journal
from pandai.cli import main

def interrupted(root, operations):
    raise KeyboardInterrupt
journal.run_operations = interrupted
sys.exit(main.run(sys.argv[1:]))
"""


def test_interrupt_after_journal_reported(workspace):
    result = subprocess.run([sys.executable, "-c", INTERRUPTED_AFTER_JOURNAL, "-w",
                             str(workspace), "add", "Kiss Péter", "--email", "peter@pelda.hu"],
                            env=process_env(), capture_output=True, text=True, check=False)
    assert result.returncode == 130, result.stderr
    assert "Interrupted." in result.stderr
    assert "'add kiss-peter' was already being saved, so the next pandai command completes it" \
        in result.stderr
    assert "Traceback" not in result.stderr

    following = run(workspace, "list", "--format", "ids")
    assert following.exit_code == 0, following.output
    assert following.stdout.split() == ["kiss-peter"]
    assert "the change is now complete and committed" in following.stderr
    assert uncommitted(workspace) == ""


def test_orphaned_temporary_removed(workspace):
    orphan = workspace / "clients" / ".ghost.yaml.xyz.tmp"
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_text("name: Half\n", encoding="utf-8")
    assert run(workspace, "add", "Kiss Péter", "--email", "peter@pelda.hu").exit_code == 0
    assert not orphan.exists()


def test_orphans_removed_in_every_folder(workspace):
    orphans = [workspace / "clients" / ".kiss-peter.yaml.a1.tmp",
               workspace / "archive" / ".nagy-eva.yaml.b2.tmp",
               workspace / ".views.yaml.c3.tmp",
               workspace / "files" / "kiss-peter" / ".ajanlat.pdf.d4.tmp"]
    kept = [workspace / "clients" / ".notes.yaml", workspace / "clients" / "draft.tmp",
            workspace / "files" / "kiss-peter" / "ajanlat.pdf"]
    for path in orphans + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half\n", encoding="utf-8")
    folder = workspace / "clients" / ".folder.tmp"
    folder.mkdir()
    assert run(workspace, "add", "Tóth János", "--email", "janos@pelda.hu").exit_code == 0
    for path in orphans:
        assert not path.exists(), path
    for path in kept:
        assert path.exists(), path
    assert folder.is_dir()


# Stages an attachment in a change and dies by SIGKILL before the journal is written.
KILLED_STAGING = """
import os, signal, sys
from pathlib import Path
from pandai import store
from pandai.workspace import Workspace

workspace = Workspace(Path(sys.argv[1]))
with store.Change(workspace, "attach") as change:
    change.stage(workspace.root / "files" / "kiss-peter" / "offer.pdf", "offer")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_change_orphan_removed(workspace):
    folder = workspace / "files" / "kiss-peter"
    folder.mkdir(parents=True)
    (folder / "old.pdf").write_text("old\n", encoding="utf-8")
    assert run(workspace, "add", "Kiss Péter", "--email", "peter@pelda.hu").exit_code == 0
    killed = subprocess.run([sys.executable, "-c", KILLED_STAGING, str(workspace)],
                            env=process_env(), check=False)
    assert killed.returncode == -signal.SIGKILL
    assert [path.name for path in folder.glob(".offer.pdf.*.tmp")]
    assert run(workspace, "note", "kiss-peter", "Called").exit_code == 0
    assert not list(folder.glob(".*.tmp"))
    assert (folder / "old.pdf").exists()


def test_orphan_search_skipped_when_clean(workspace):
    from pandai import journal

    assert run(workspace, "add", "Kiss Péter", "--email", "peter@pelda.hu").exit_code == 0
    assert journal.orphans_possible(workspace) is False
    (workspace / "archive").mkdir(exist_ok=True)
    assert journal.orphans_possible(workspace) is True

    assert run(workspace, "note", "kiss-peter", "Called").exit_code == 0
    assert journal.orphans_possible(workspace) is False
    (workspace / ".pandai" / journal.STAGING_MARKER).touch()
    assert journal.orphans_possible(workspace) is True


def test_failed_change_keeps_marker(workspace):
    from pandai import journal

    assert run(workspace, "note", "nobody", "Called").exit_code != 0
    assert (workspace / ".pandai" / journal.STAGING_MARKER).exists()
    assert run(workspace, "add", "Kiss Péter", "--email", "peter@pelda.hu").exit_code == 0
    assert not (workspace / ".pandai" / journal.STAGING_MARKER).exists()


def test_alias_bomb_rejected(workspace):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + level)}: &{chr(98 + level)} [*{chr(97 + level)}, *{chr(97 + level)}, "
        f"*{chr(97 + level)}, *{chr(97 + level)}]\n" for level in range(8))
    (workspace / "clients" / "bomb.yaml").write_text("name: Bomb\n" + bomb, encoding="utf-8")
    result = run(workspace, "list", "--format", "ids")
    assert result.exit_code == 0
    assert "aliases" in result.stderr
    assert "bomb" not in result.stdout.split()


def test_huge_file_rejected(workspace):
    path = workspace / "clients" / "huge.yaml"
    path.write_text("name: Huge\nnotes_text: " + "x" * (yamlio.MAX_FILE_BYTES + 10) + "\n",
                    encoding="utf-8")
    result = run(workspace, "list", "--format", "ids")
    assert result.exit_code == 0
    assert "huge.yaml" in result.stderr
    assert "bytes" in result.stderr


def test_cron_empty_environment(workspace):
    # cron starts commands with almost no environment: no HOME, LANG or PANDAI_* variables.
    result = subprocess.run([sys.executable, "-m", "pandai", "-w", str(workspace), "list"],
                            env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_cron_without_git_on_path(workspace):
    result = subprocess.run([sys.executable, "-m", "pandai", "-w", str(workspace), "add",
                             "Kiss Péter", "--email", "peter@pelda.hu"],
                            env={"PATH": "/nonexistent", "PANDAI_USER": "anna"},
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "history" in result.stderr


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_yaml_reader_never_crashes(text):
    try:
        yamlio.parse(text, Path("clients/random.yaml"))
    except FileError:
        pass


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_csv_importer_never_crashes(tmp_path, data):
    from pandai.importing.readers import read_table

    path = tmp_path / "random.csv"
    path.write_bytes(data)
    try:
        table = read_table(path)
        for _row in table.rows:
            pass
    except PandaiError:
        pass


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_vcard_importer_never_crashes(tmp_path, text):
    readers = pytest.importorskip("pandai.importing.readers")
    path = tmp_path / "random.vcf"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\n" + text + "\nEND:VCARD\n", encoding="utf-8")
    try:
        table = readers.read_table(path)
        for _row in table.rows:
            pass
    except PandaiError:
        pass


def test_ids_cannot_leave_workspace(workspace):
    for term in ("../pandai", "../../etc/passwd", "/etc/passwd", ".hidden"):
        result = run(workspace, "show", term)
        assert result.exit_code != 0, term
        assert "Traceback" not in result.output
