"""Checking the rows of a large import in worker processes gives the plan one process gives."""

from __future__ import annotations

import csv
import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import run, snapshot, uncommitted
from pandai.errors import ImportFileError
from pandai.importing import checking
from pandai.importing.plan import ImportOptions, open_table, plan_import
from pandai.importing.readers import read_table
from pandai.importing.rows import RowBuilder
from pandai.workspace import Workspace

# Workers start only on Linux with at least two cores.
needs_two_cores = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="worker processes start only with two cores or more")
HEADER = ["Név", "Cég", "E-mail", "Telefon", "Státusz", "Érték", "Következő teendő"]


def write_rows(path: Path, count: int, broken_row: int | None = None,
               invalid: bool = True) -> None:
    """Write ``count`` rows with repaired and duplicate values among them, and with invalid,
    damaged and unknown ones unless ``invalid`` is false."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(HEADER)
        for number in range(count):
            email, phone = f"ugyfel{number}@pelda.hu", f"+3630{2000000 + number}"
            status, value, due = "New lead", f"{number} 000 Ft", "2026.12.01."
            if number % 97 == 0 and invalid:
                email = f"rossz{number}@"
            if number % 89 == 0 and invalid:
                phone = "3.63E+10"
            if number % 83 == 0:
                phone = f"3630{3000000 + number}"
            if number % 79 == 0:
                email = "ugyfel1@pelda.hu"
            if number % 73 == 0 and invalid:
                status = "Ismeretlen"
            if number % 71 == 0 and invalid:
                due = "2026.13.45."
            row = [f"Ügyfél {number}", f"Cég {number % 50}", email, phone, status, value, due]
            if number == broken_row:
                row.append("one cell too many")
            writer.writerow(row)


def plan_rows(ws: Path, source: Path, monkeypatch, parallel: bool):
    monkeypatch.setattr(checking, "PARALLEL_MIN_BYTES", 0 if parallel else 1 << 40)
    plan = plan_import(Workspace(ws), source, ImportOptions())
    return {"created": plan.created,
            "duplicates": [(issue.row, issue.message) for issue in plan.duplicates],
            "incomplete": [(issue.row, issue.message) for issue in plan.incomplete],
            "invalid": [(issue.row, issue.message) for issue in plan.invalid],
            "repairs": [(issue.row, issue.message) for issue in plan.repairs],
            "remarks": [(issue.row, issue.message) for issue in plan.remarks],
            "unknown_statuses": plan.unknown_statuses}


def test_workers_same_plan(workspace, tmp_path, monkeypatch):
    source = tmp_path / "clients.csv"
    write_rows(source, 3000)
    alone = plan_rows(workspace, source, monkeypatch, parallel=False)
    shared = plan_rows(workspace, source, monkeypatch, parallel=True)
    assert alone["created"] > 2000
    assert alone["invalid"]
    assert alone["duplicates"]
    assert alone["repairs"]
    assert alone["unknown_statuses"]
    for key in alone:
        assert shared[key] == alone[key], key


@needs_two_cores
def test_workers_started(workspace, tmp_path, monkeypatch):
    # 600 rows are three batches, so the results of both workers must be put in file order.
    source = tmp_path / "clients.csv"
    write_rows(source, 600)
    monkeypatch.setattr(checking, "PARALLEL_MIN_BYTES", 0)
    ws = Workspace(workspace)
    table, mapping, _saved = open_table(ws, source, ImportOptions())
    builder = RowBuilder(ws, table, mapping, {}, {})
    with checking.CheckedRows(builder, table, lambda: read_table(source)) as checked:
        processes = list(checked.processes)
        assert len(processes) == checking.MAX_WORKERS
        assert len({process.pid for process in processes} | {os.getpid()}) == 3
        numbers = [number for number, _result in checked]
    assert numbers == list(range(2, 602))
    assert not any(process.is_alive() for process in processes)


@pytest.mark.parametrize("parallel", [False, True])
def test_unreadable_row_same_error(workspace, tmp_path, monkeypatch, parallel):
    source = tmp_path / "clients.csv"
    write_rows(source, 3000, broken_row=2500)
    monkeypatch.setattr(checking, "PARALLEL_MIN_BYTES", 0 if parallel else 1 << 40)
    with pytest.raises(ImportFileError) as raised:
        plan_import(Workspace(workspace), source, ImportOptions())
    assert "2502" in raised.value.message


@pytest.mark.parametrize("failing", [0, 1])
def test_stopped_worker_rest_checked_here(workspace, tmp_path, monkeypatch, failing):
    # One worker dies after its first batch; the rows no worker sent in turn are built here.
    source = tmp_path / "clients.csv"
    write_rows(source, 1000)
    alone = plan_rows(workspace, source, monkeypatch, parallel=False)
    original = checking._send_results

    def die_after_one_batch(connection, readers, builder, rows, prepare, worker, count):
        if worker != failing:
            original(connection, readers, builder, rows, prepare, worker, count)
            return
        for reader in readers:
            reader.close()
        mine = [row for position, row in enumerate(rows)
                if position // checking._BATCH_ROWS % count == worker]
        connection.send([(row.number, builder.build(row))
                         for row in mine[:checking._BATCH_ROWS]])
        os._exit(1)

    monkeypatch.setattr(checking, "_send_results", die_after_one_batch)
    shared = plan_rows(workspace, source, monkeypatch, parallel=True)
    monkeypatch.setattr(checking, "_send_results", original)
    for key in alone:
        assert shared[key] == alone[key], key


@needs_two_cores
def test_second_worker_not_started(workspace, tmp_path, monkeypatch):
    # The first worker has read from the table's file when the second cannot be started, so
    # this process reads the file again from its start and builds every row itself.
    import multiprocessing.context

    source = tmp_path / "clients.csv"
    write_rows(source, 1000)
    alone = plan_rows(workspace, source, monkeypatch, parallel=False)
    original = multiprocessing.context.ForkProcess.start
    started = []

    def start_once(process):
        if started:
            time.sleep(0.5)  # time for the first worker to read on
            raise OSError("no more processes")
        started.append(process)
        original(process)

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", start_once)
    shared = plan_rows(workspace, source, monkeypatch, parallel=True)
    assert len(started) == 1
    for key in alone:
        assert shared[key] == alone[key], key


def test_workers_same_files(workspace, tmp_path, monkeypatch):
    # The workers render new clients; the files must be those this process writes.
    source = tmp_path / "clients.csv"
    write_rows(source, 1500, invalid=False)
    copy = tmp_path / "copy"
    shutil.copytree(workspace, copy)

    monkeypatch.setattr(checking, "PARALLEL_MIN_BYTES", 1 << 40)
    alone = run(workspace, "import", source, "--yes")
    monkeypatch.setattr(checking, "PARALLEL_MIN_BYTES", 0)
    shared = run(copy, "import", source, "--yes")

    assert alone.exit_code == 0, alone.stderr
    assert shared.exit_code == 0, shared.stderr
    assert shared.stdout == alone.stdout
    files = snapshot(workspace)
    assert len(files) > 1000
    assert snapshot(copy) == files
    assert uncommitted(copy) == ""
