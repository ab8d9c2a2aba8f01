"""A per-machine cache of parsed client files, so that lists stay fast on many clients.

The cache is ``.pandai/cache.sqlite``, with a ``.gitignore`` of ``*`` beside it so that git ignores
it. For each of the folders clients/ and archive/ it keeps a *snapshot*: every file name, and
parallel to the names the file's stat data ``(inode, size, mtime_ns, ctime_ns)``, its content
hash (the git blob id) and one column per field with the summary values of the clients. The full
data of each client is a pickle stored under its content hash, read when a command needs more
than the summary (see pandai.cached_client). Filters given to ``load_folder`` test the columns
first, so that only the chosen clients are built.

A cached entry is used only when it is certainly what the file contains now:

* In a git work tree, ``git ls-files`` reports for each tracked file whether it differs from
  the index (git checks stat data, and the content where they differ or the file changed within
  the index's timestamp, the "racy git" rule). A clean file whose index blob id equals the
  cached hash is unchanged.
* When that report shows every file tracked, clean and equal to its cached hash, the snapshot
  stores a *proof*: the checksum at the end of git's index file and the folder's listing (its
  inode, mtime and ctime once they are 2 seconds old, and a digest of the names). A later load
  under the same index checksum asks git only for the files that differ (``ls-files -m``). When
  git names none and the folder's stamp or listing is the same, no file needs to be looked at.
* Any other file is checked by its stat data. Equal stat data prove an unchanged file, except
  for a file whose mtime or ctime is less than 2 seconds older than the moment its snapshot was
  taken: timestamps are coarse (a few milliseconds on ext4, 2 seconds on FAT), so an edit in
  that window can keep the same stat data. Such files are hashed on every load; once they are
  older, the next load rewrites the snapshot and trusts their stat data.
* A file that fails these checks is read and hashed. The same hash is still a hit (``touch``, a
  checkout of equal content); otherwise the file is parsed again.

NOTE: a changed file goes unnoticed only when inode, size, mtime and ctime all keep their values
to the nanosecond (which needs the clock set back to that instant), or when git is told to trust
stat data it should not (``assume-unchanged`` entries are excluded, ``core.ignoreStat`` is not).
Adding or removing a file changes the folder's mtime and ctime on POSIX file systems. A network
file system that does not update them would hide such a change until the index changes.

Files that cannot be read are never cached, so they are reported on every load in the active
language. A cache that cannot be opened, read or written (corrupt, read-only, disk full, locked
by another process) is ignored and rebuilt when possible: the clients are then parsed as without
it. ``PANDAI_CACHE=off`` turns the cache off, for comparisons and troubleshooting.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from pandai import cache_database
from pandai.cache_snapshot import (GitReport, Snapshot, folder_stamp, index_checksum,
                                   listing_digest)
from pandai.cached_client import CachedClient, Catalog, ClientsView, SummaryView
from pandai.client import Client
from pandai.errors import FileError
from pandai.fields import from_file
from pandai.i18n import _
from pandai.parse_pool import git_hash, parse_many

if TYPE_CHECKING:
    import sqlite3

    from pandai.workspace import Workspace

log = logging.getLogger(__name__)
# Chooses the positions of the clients to build from a view of all of them (query.select).
Selector = Callable[[SummaryView | ClientsView], Iterable[int]]
RACY_NANOSECONDS = 2_000_000_000
# Modules whose code decides what a parsed client looks like. Their stat data are part of the
# cache signature, so that a changed pandai never reuses values converted by an older one.
SOURCES = ("client.py", "fields.py", "parsing.py", "yamlio.py", "cache.py", "cache_database.py",
           "cache_snapshot.py", "cached_client.py", "parse_pool.py")


def signature(workspace: Workspace) -> str:
    """Return what the cached values depend on: format, Python, field types and pandai's code."""
    here = Path(__file__).parent
    sources = []
    for name in SOURCES:
        try:
            status = (here / name).stat()
            sources.append(f"{name}:{status.st_size}:{status.st_mtime_ns}")
        except OSError:
            sources.append(f"{name}:-")
    fields = ",".join(f"{item.name}:{item.type}" for item in workspace.fieldset.fields)
    return f"{cache_database.FORMAT}|{sys.version_info[:2]}|{fields}|{'|'.join(sources)}"


def _read_bytes(folder_fd: int, name: str) -> bytes | None:
    try:
        descriptor = os.open(name, os.O_RDONLY, dir_fd=folder_fd)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as stream:
        try:
            return stream.read()
        except OSError:
            return None


def load_folder(workspace: Workspace, folder: Path, archived: bool = False,
                select: Selector | None = None) -> tuple[list[Client], list[FileError]]:
    """Return the clients of ``folder`` in file name order and the files that cannot be read.

    The result equals reading every file with ``store.read_client``. The module docstring
    describes when a cached entry is trusted. ``select`` returns the positions of the clients
    to build from a view of all of them, so that a filter can reject most clients before they
    exist.
    """
    if not folder.is_dir():
        return [], []
    if os.environ.get("PANDAI_CACHE", "").lower() in ("off", "0", "no"):
        clients, problems = read_folder(workspace, folder, _client_names(folder), archived)
        if select is not None:
            clients = [clients[position] for position in select(ClientsView(clients))]
        return clients, problems
    # The loaded objects contain no cycles, and on 100 000 clients the collections that their
    # creation triggers took a third of the load time (1.0 s against 0.6 s, on 2 cores).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_folder(workspace, folder, archived, select)
    finally:
        if collecting:
            gc.enable()


def _load_folder(workspace: Workspace, folder: Path, archived: bool, select: Selector | None
                 ) -> tuple[list[Client], list[FileError]]:
    started = time.time_ns()
    folder_key = "archive" if archived else "clients"
    signature_text = signature(workspace)
    width = len(workspace.fieldset.fields)
    checksum = index_checksum(workspace.root)

    database = old = proof = None
    try:
        database = cache_database.connect(workspace, create=False)
        if database is not None:
            proof = cache_database.read_proof(database, folder_key)
    except cache_database.errors() as error:
        cache_database.discard(workspace, error)
        database = proof = None
    # Under the index a snapshot was proved with, git only has to name the changed files.
    quick = bool(checksum) and proof is not None and proof[0] == checksum
    report = GitReport.start(workspace.root, folder, quick, checksum)
    stamp = folder_stamp(os.stat(folder))
    stored_stamp, _space, stored_digest = (proof[1] if proof else "").partition(" ")
    listing = None
    if stamp != stored_stamp:
        listing = os.listdir(folder)
    listing_unchanged = stamp == stored_stamp or listing_digest(listing) == stored_digest
    try:
        if database is not None:
            old = cache_database.read_snapshot(database, folder_key, signature_text, width)
    except cache_database.errors() as error:
        cache_database.discard(workspace, error)
        database = None
    catalog = Catalog(folder, workspace.fieldset, signature_text, database)
    git_answered = report.finish() if report else False

    if old is not None and listing_unchanged and git_answered and report.nothing_changed() \
            and index_checksum(workspace.root) == checksum:
        # git vouches for every tracked file and the folder has no other files: nothing to
        # look at. (The proof is stored only when every file was tracked and clean.)
        log.debug("%s: unchanged since the cache was written", folder)
        if listing is not None:
            _renew_stamp(database, folder_key, folder, listing, started)
        return _finish(catalog, old, archived, {}, select), []
    if report is not None and report.quick:
        # Something changed since the proof: ask git for the whole report after all.
        checksum = index_checksum(workspace.root)
        report = GitReport.start(workspace.root, folder)
        git_answered = report.finish() if report else False
    old = old or Snapshot(width=width)
    if listing is None:
        listing = os.listdir(folder)
    names = _client_names(folder, listing)
    new, misses, dirty = _check_files(folder, names, old, started,
                                      report.clean_files() if git_answered else {})

    problems: list[FileError] = []
    parsed: dict[str, list] = {}
    for name, result in parse_many(folder, misses, catalog.fieldset):
        if result is None:
            problems.append(_reader_error(workspace, folder / name, archived))
            continue
        stat_data, digest, blob, summary, file_problems = result
        catalog.blobs[digest] = blob
        parsed[name] = file_problems
        new.add(name, stat_data, digest, summary, tuple(key for key, _text in file_problems))

    # Parsed entries follow the unchanged ones, so the names are out of order when both exist.
    if parsed and any(first > second for first, second in zip(new.names, new.names[1:])):
        new = new.sorted()
    if git_answered and _proved_by(report, new) and index_checksum(workspace.root) == checksum:
        new.index_checksum = checksum
        new.listing = _listing_proof(folder, listing, started)
    clients = _finish(catalog, new, archived, parsed, select)
    if dirty or (new.index_checksum, new.listing) != (proof or ("", "")):
        cache_database.write(workspace, folder_key, signature_text, new, catalog)
    return clients, problems


def _listing_proof(folder: Path, listing: list[str], started: int) -> str:
    """Return the stored proof of a folder's listing: its stamp, when settled, and a digest."""
    status = os.stat(folder)
    settled = max(status.st_mtime_ns, status.st_ctime_ns) < started - RACY_NANOSECONDS
    return f"{folder_stamp(status) if settled else '-'} {listing_digest(listing)}"


def _renew_stamp(database: sqlite3.Connection, folder_key: str, folder: Path,
                 listing: list[str], started: int) -> None:
    """Store the folder's stamp once it has settled, so later loads need not list it."""
    proof = _listing_proof(folder, listing, started)
    if not proof.startswith("-"):
        cache_database.write_listing(database, folder_key, proof)


def _finish(catalog: Catalog, snapshot: Snapshot, archived: bool, parsed: dict[str, list],
            select: Selector | None) -> list[Client]:
    """Return the clients of a snapshot that ``select`` chooses, in file name order."""
    catalog.snapshot = snapshot
    names = snapshot.names

    def build(position: int) -> Client:
        name = names[position]
        client = CachedClient.lazy(name[:-5], catalog, position, archived, parsed.get(name, []))
        keys = snapshot.problem_keys.get(name)
        if keys and name not in parsed:
            client.problems = _problems_of(catalog, client, keys)
        return client

    if select is None:
        return [build(position) for position in range(len(names))]
    view = SummaryView(catalog, names, build)
    return [view.client(position) for position in select(view)]


def _client_names(folder: Path, listing: list[str] | None = None) -> list[str]:
    # The same files as store._client_files: *.yaml, no hidden ones, sorted by name.
    return sorted(name for name in (os.listdir(folder) if listing is None else listing)
                  if name.endswith(".yaml") and not name.startswith("."))


def _check_files(folder: Path, names: list[str], old: Snapshot, started: int,
                 clean: dict[str, str]) -> tuple[Snapshot, list[str], bool]:
    """Return the snapshot of the unchanged files, the names to parse, and whether to write."""
    unchanged: list[int] = []  # positions in the old snapshot
    unchanged_stats: list[tuple | None] = []
    misses: list[str] = []
    dirty = names != old.names
    trusted_before = old.taken - RACY_NANOSECONDS
    settled_before = started - RACY_NANOSECONDS
    hashes, stats = old.hashes, old.stats
    folder_fd = os.open(folder, os.O_RDONLY)
    try:
        for name in names:
            position = old.position(name)
            if position is None:
                misses.append(name)
                continue
            digest = hashes[position]
            stat_data = stats[position]
            if clean.get(name) != digest:
                try:
                    status = os.stat(name, dir_fd=folder_fd)
                except OSError:
                    misses.append(name)
                    dirty = True
                    continue
                fresh = (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
                if fresh != stat_data or status.st_mtime_ns >= trusted_before \
                        or status.st_ctime_ns >= trusted_before:
                    raw = _read_bytes(folder_fd, name)
                    if raw is None or git_hash(raw) != digest:
                        misses.append(name)
                        dirty = True
                        continue
                    # Same content: keep the entry, with stat data a later load can trust.
                    stat_data = fresh
                    if status.st_mtime_ns < settled_before and status.st_ctime_ns < settled_before:
                        dirty = True
            unchanged.append(position)
            unchanged_stats.append(stat_data)
    finally:
        os.close(folder_fd)
    return old.subset(started, unchanged, unchanged_stats), misses, dirty


def _proved_by(report: GitReport, snapshot: Snapshot) -> bool:
    """Return True when git's full report shows every file tracked, clean and as cached."""
    clean = report.clean_files()
    if not report.all_clean or len(clean) != len(snapshot.names):
        return False
    return all(clean.get(name) == digest
               for name, digest in zip(snapshot.names, snapshot.hashes))


def read_folder(workspace: Workspace, folder: Path, names: list[str], archived: bool
                ) -> tuple[list[Client], list[FileError]]:
    """Parse every file with ``store.read_client``, as pandai does without a cache."""
    from pandai.store import read_client

    clients: list[Client] = []
    problems: list[FileError] = []
    for name in names:
        try:
            clients.append(read_client(workspace, folder / name, archived))
        except FileError as error:
            problems.append(error)
    return clients, problems


def _reader_error(workspace: Workspace, path: Path, archived: bool) -> FileError:
    """Return the error the normal reader gives for a file the cache could not parse."""
    from pandai.store import read_client

    try:
        read_client(workspace, path, archived)
    except FileError as error:
        return error
    return FileError(_("{path}: the file changed while it was read; run the command "
                       "again.").format(path=path), path)


def _problems_of(catalog: Catalog, client: CachedClient, keys: tuple) -> list[tuple[str, str]]:
    """Return the conversion problems of the named fields, in the active language."""
    problems = []
    for key in keys:
        try:
            from_file(catalog.fieldset.lookup(key), client.data.get(key))
        except ValueError as error:
            problems.append((key, str(error)))
    return problems


