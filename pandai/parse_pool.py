"""Parsing client files for the cache, in two processes when there are many.

Each file is read once: the same bytes are hashed and parsed, so a stored hash always belongs
to the stored data. A file that fails any step is returned as None, and the caller asks
``store.read_client`` for the exact error, which is never cached.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from pandai import yamlio
from pandai.cached_client import summarize
from pandai.client import from_file_data
from pandai.errors import FileError
from pandai.fields import FieldSet

log = logging.getLogger(__name__)
# Below this many files a second process costs more than it saves (measured in
# benchmarks/run.py: forking and sending the results back take about 40 ms).
PARALLEL_MINIMUM = 1000


def git_hash(raw: bytes) -> str:
    """Return the git blob id of a file's bytes, the content hash the cache compares."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


def parse_file(folder: Path, name: str, fieldset: FieldSet
               ) -> tuple[tuple, str, dict[str, Any], list[tuple[str, str]]] | None:
    """Read, hash and convert one client file; return None when it cannot be used.

    Decoding follows ``yamlio.read``: UTF-8 with universal newlines.
    """
    path = folder / name
    try:
        with open(path, "rb") as stream:
            status = os.fstat(stream.fileno())
            if status.st_size > yamlio.MAX_FILE_BYTES:
                return None
            raw = stream.read()
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        client = from_file_data(path.stem, yamlio.parse(text, path), fieldset, path)
    except (OSError, UnicodeDecodeError, FileError):
        return None
    stat_data = (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    return stat_data, git_hash(raw), client.data, client.problems


def parse_batch(arguments: tuple[Path, list[str], FieldSet]) -> list[tuple[str, tuple | None]]:
    """Return (name, (stat data, hash, pickled data, summary, problems) or None) per file."""
    import pickle

    folder, names, fieldset = arguments
    results: list[tuple[str, tuple | None]] = []
    for name in names:
        parsed = parse_file(folder, name, fieldset)
        if parsed is None:
            results.append((name, None))
            continue
        stat_data, digest, data, problems = parsed
        blob = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
        results.append((name, (stat_data, digest, blob, summarize(fieldset, data), problems)))
    return results


def parse_many(folder: Path, names: list[str], fieldset: FieldSet
               ) -> list[tuple[str, tuple | None]]:
    """Parse files like :func:`parse_batch`, half of them in a forked process when many."""
    if len(names) < PARALLEL_MINIMUM or sys.platform != "linux" or (os.cpu_count() or 1) < 2:
        return parse_batch((folder, names, fieldset))
    import multiprocessing

    half = len(names) // 2
    try:
        pool = multiprocessing.get_context("fork").Pool(1)
    except OSError as error:
        log.warning("cannot start a second process: %s", error)
        return parse_batch((folder, names, fieldset))
    with pool:
        other = pool.apply_async(parse_batch, ((folder, names[half:], fieldset),))
        results = parse_batch((folder, names[:half], fieldset))
        results += other.get()
    return results
