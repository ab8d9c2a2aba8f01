"""Checking the rows of a large import file in a second process while the first one plans.

Building a row (:meth:`RowBuilder.build`) validates its e-mail addresses, phones, dates and
amounts, and takes about a third of an import's CPU time. Rows are independent of each other, so
a forked process builds them and sends the results back in order, in batches, while this
process loads the workspace's clients and sorts each result into the plan. Results are the
same objects that building the rows here would give.

When the second process stops early, because a row could not be read or a result could not be
sent, this process opens the file again, skips the rows it already received and builds the
rest itself. A failing row then raises the same error, from the same code, as without a second
process. When this process ends early, the second one is stopped.
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
_BATCH_ROWS = 200  # rows the second process sends at once
_DONE = "done"  # sent after the last batch
_STOPPED = "stopped"  # sent when the second process could not read or send every row


class CheckedRows:
    """The built rows of a table, as ``(row number, result)`` pairs in file order.

    Use as a context manager, so that a second process, when one was started, always ends::

        with CheckedRows(builder, table, reopen) as rows:
            for number, result in rows: ...

    ``reopen`` returns the table read again from its start; it is called only when the second
    process stopped early. ``prepare``, when given, is called on each result in the second
    process, to do more of the work there. Rows built in this process skip it.
    """

    def __init__(self, builder: RowBuilder, table: Table, reopen: Callable[[], Table],
                 prepare: Callable[[RowResult], None] | None = None):
        self.builder = builder
        self.table = table
        self.reopen = reopen
        self.prepare = prepare
        self._process = None
        self._connection = None

    def __enter__(self) -> CheckedRows:
        if _use_second_process(self.table):
            self._start()
        return self

    def __exit__(self, *exception: object) -> None:
        if self._connection is not None:
            self._connection.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()

    def __iter__(self) -> Iterator[tuple[int, RowResult]]:
        if self._process is None:
            for row in self.table.rows:
                yield row.number, self.builder.build(row)
            return

        received = 0
        while True:
            try:
                message = self._connection.recv()
            except (EOFError, OSError):
                message = _STOPPED
            if message == _DONE:
                return
            if message == _STOPPED:
                break
            received += len(message)
            yield from message

        log.info("the second process stopped after %d rows; checking the rest here", received)
        for row in islice(self.reopen().rows, received, None):
            yield row.number, self.builder.build(row)

    def _start(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_send_results, daemon=True,
                                  args=(sender, receiver, self.builder, self.table.rows,
                                        self.prepare))
        # The second process starts with a copy of this one's buffers, and must not write out
        # text this process has not written yet.
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        try:
            process.start()
        except OSError as error:
            log.warning("cannot start a second process, so rows are checked here: %s", error)
            receiver.close()
            sender.close()
            return
        # Only the second process writes, so that its end closes the pipe for the reader.
        sender.close()
        self._process, self._connection = process, receiver


def _use_second_process(table: Table) -> bool:
    if sys.platform != "linux":
        return False
    try:
        cores = len(os.sched_getaffinity(0))
        size = table.path.stat().st_size
    except OSError:
        return False
    return cores >= 2 and size >= PARALLEL_MIN_BYTES


def _send_results(connection, other_end, builder: RowBuilder, rows: Iterator[Row],
                  prepare: Callable[[RowResult], None] | None = None) -> None:
    """Build every row and send the results in batches; the body of the second process."""
    # Without its copy of the reading end, a send fails as soon as the first process is gone,
    # even by SIGKILL. Otherwise this process would wait on a full pipe and keep the lock.
    other_end.close()
    # Ctrl-C reaches both processes, and the first one stops this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    batch: list[tuple[int, RowResult]] = []
    try:
        for row in rows:
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
        log.debug("the second process stops at a row: %s", error)
        try:
            connection.send(_STOPPED)
        except OSError:
            pass
    finally:
        connection.close()
