"""Checking the rows of a large import in a second process gives the plan one process gives."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from conftest import run, snapshot, uncommitted
from pandai.errors import ImportFileError
from pandai.importing import checking
from pandai.importing.plan import ImportOptions, open_table, plan_import
from pandai.importing.readers import read_table
from pandai.importing.rows import RowBuilder
from pandai.workspace import Workspace

# The second process starts only on Linux with at least two cores.
needs_two_cores = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="the second process needs two cores")
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


def test_second_process_same_plan(workspace, tmp_path, monkeypatch):
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
def test_second_process_started(workspace, tmp_path, monkeypatch):
    source = tmp_path / "clients.csv"
    write_rows(source, 600)
    monkeypatch.setattr(checking, "PARALLEL_MIN_BYTES", 0)
    ws = Workspace(workspace)
    table, mapping, _saved = open_table(ws, source, ImportOptions())
    builder = RowBuilder(ws, table, mapping, {}, {})
    with checking.CheckedRows(builder, table, lambda: read_table(source)) as checked:
        assert checked._process is not None
        assert checked._process.pid != os.getpid()
        numbers = [number for number, _result in checked]
    assert numbers == list(range(2, 602))
    assert not checked._process.is_alive()


@pytest.mark.parametrize("parallel", [False, True])
def test_unreadable_row_same_error(workspace, tmp_path, monkeypatch, parallel):
    source = tmp_path / "clients.csv"
    write_rows(source, 3000, broken_row=2500)
    monkeypatch.setattr(checking, "PARALLEL_MIN_BYTES", 0 if parallel else 1 << 40)
    with pytest.raises(ImportFileError) as raised:
        plan_import(Workspace(workspace), source, ImportOptions())
    assert "2502" in raised.value.message


def test_stopped_process_rest_checked_here(workspace, tmp_path, monkeypatch):
    # The second process dies after its first batch; the rows it did not send are built here.
    source = tmp_path / "clients.csv"
    write_rows(source, 1000)
    alone = plan_rows(workspace, source, monkeypatch, parallel=False)
    original = checking._send_results

    def send_one_batch(connection, other_end, builder, rows, prepare):
        other_end.close()
        first = [next(rows) for _index in range(checking._BATCH_ROWS)]
        connection.send([(row.number, builder.build(row)) for row in first])
        os._exit(1)

    monkeypatch.setattr(checking, "_send_results", send_one_batch)
    shared = plan_rows(workspace, source, monkeypatch, parallel=True)
    monkeypatch.setattr(checking, "_send_results", original)
    for key in alone:
        assert shared[key] == alone[key], key


def test_second_process_same_files(workspace, tmp_path, monkeypatch):
    # The second process renders new clients; the files must be those this process writes.
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
