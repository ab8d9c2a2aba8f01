"""Checking the rows of a large import file in other processes while the first one plans.

Building a row (:meth:`RowBuilder.build`) validates its e-mail addresses, phones, dates and
amounts, and takes about half of an import's CPU time. Rows are independent of each other, so
forked worker processes build them and send the results back in batches, while this process
loads the workspace's clients and sorts each result into the plan. Worker ``w`` of ``n`` builds
the batches ``w``, ``w + n``, ``w + 2n`` and so on, and this process reads them in turn, so
results arrive in file order. They are the same objects that building the rows here would give.

With two workers on two cores, the first process shares a core with them. That pays because
it waits for results otherwise: with one worker, the first process was idle for a third of an
import when the kernel created files quickly (docs/benchmarks.md, "Import").

When a worker stops early, because a row could not be read or a result could not be sent,
this process stops the others, opens the file again, skips the rows it already received and
builds the rest itself. A failing row then raises the same error, from the same code, as
without workers. When this process ends early, the workers are stopped.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from itertools import islice
from typing import Callable, Iterator

from pandai.importing.readers import Row, Table
from pandai.importing.rows import RowBuilder, RowResult

log = logging.getLogger(__name__)
# Files smaller than this are checked in this process. NOTE: an estimate, not measured: 64 KiB
# are 500-1000 rows, which take 50-100 ms to check, against some milliseconds for a fork.
PARALLEL_MIN_BYTES = 64 * 1024
MAX_WORKERS = 2  # NOTE: measured on two cores only (see the module's docstring).
_BATCH_ROWS = 200  # rows a worker sends at once
_DONE = "done"  # sent after the last batch
_STOPPED = "stopped"  # sent when a worker could not read or send every row


class CheckedRows:
    """The built rows of a table, as ``(row number, result)`` pairs in file order.

    Use as a context manager, so that the worker processes, when some were started, always
    end::

        with CheckedRows(builder, table, reopen) as rows:
            for number, result in rows: ...

    ``reopen`` returns the table read again from its start; it is called only when a worker
    stopped early. ``prepare``, when given, is called on each result in the workers, to do more
    of the work there. Rows built in this process skip it.
    """

    def __init__(self, builder: RowBuilder, table: Table, reopen: Callable[[], Table],
                 prepare: Callable[[RowResult], None] | None = None):
        self.builder = builder
        self.table = table
        self.reopen = reopen
        self.prepare = prepare
        self.processes: list = []
        self._connections: list = []

    def __enter__(self) -> CheckedRows:
        count = _worker_count(self.table)
        if count:
            self._start(count)
        return self

    def __exit__(self, *exception: object) -> None:
        self._stop()

    def __iter__(self) -> Iterator[tuple[int, RowResult]]:
        if not self.processes:
            for row in self.table.rows:
                yield row.number, self.builder.build(row)
            return

        received = batch = 0
        while True:
            connection = self._connections[batch % len(self._connections)]
            try:
                message = connection.recv()
            except (EOFError, OSError):
                message = _STOPPED
            if message == _DONE:
                return
            if message == _STOPPED:
                break
            received += len(message)
            batch += 1
            yield from message

        log.info("a worker stopped after %d rows; checking the rest here", received)
        self._stop()
        for row in islice(self.reopen().rows, received, None):
            yield row.number, self.builder.build(row)

    def _start(self, count: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        # The workers start with a copy of this process's buffers, and must not write out text
        # this process has not written yet.
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        for worker in range(count):
            receiver, sender = context.Pipe(duplex=False)
            # A worker closes every reading end it inherits, so that its sends fail as soon as
            # this process is gone, even by SIGKILL. Otherwise it would wait on a full pipe.
            # Forked processes share the offset of an open file, so only the first worker
            # reads the table this process opened, and each other one opens the file again.
            rows = self.table.rows if worker == 0 else _reopened_rows(self.reopen)
            process = context.Process(
                target=_send_results, daemon=True,
                args=(sender, [*self._connections, receiver], self.builder, rows, self.prepare,
                      worker, count))
            try:
                process.start()
            except OSError as error:
                log.warning("cannot start a worker process, so rows are checked here: %s",
                            error)
                receiver.close()
                sender.close()
                if self.processes:
                    # The first worker may have moved the shared file offset of the table.
                    self._stop()
                    self.table = self.reopen()
                return
            # Only the worker keeps the writing end open, so that its exit closes the pipe for
            # the reader. Workers started later never inherit it.
            sender.close()
            self.processes.append(process)
            self._connections.append(receiver)

    def _stop(self) -> None:
        for connection in self._connections:
            connection.close()
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()
        self.processes, self._connections = [], []


def _worker_count(table: Table) -> int:
    """Return how many workers check the table's rows: 0 for a small file or one core."""
    if sys.platform != "linux":
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
        size = table.path.stat().st_size
    except OSError:
        return 0
    if cores < 2 or size < PARALLEL_MIN_BYTES:
        return 0
    return min(cores, MAX_WORKERS)


def _reopened_rows(reopen: Callable[[], Table]) -> Iterator[Row]:
    """Return the rows of the table ``reopen`` opens, opened when the first row is asked for."""
    yield from reopen().rows


def _send_results(connection, readers: list, builder: RowBuilder, rows: Iterator[Row],
                  prepare: Callable[[RowResult], None] | None = None, worker: int = 0,
                  count: int = 1) -> None:
    """Build and send the rows of every ``count``-th batch from batch ``worker`` on.

    This is the body of a worker process.
    """
    for reader in readers:
        reader.close()
    # Ctrl-C reaches every process, and the first one stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    batch: list[tuple[int, RowResult]] = []
    try:
        for position, row in enumerate(rows):
            if position // _BATCH_ROWS % count != worker:
                continue
            result = builder.build(row)
            if prepare is not None:
                prepare(result)
            batch.append((row.number, result))
            if len(batch) >= _BATCH_ROWS:
                connection.send(batch)
                batch = []
        if batch:
            connection.send(batch)
        connection.send(_DONE)
    except BrokenPipeError:
        pass  # the first process has ended
    except Exception as error:  # noqa: BLE001 - the first process raises it again itself
        log.debug("a worker stops at a row: %s", error)
        try:
            connection.send(_STOPPED)
        except OSError:
            pass
    finally:
        connection.close()
