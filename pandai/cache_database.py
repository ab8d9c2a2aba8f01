"""The SQLite file of the client cache: snapshots, their proofs and the clients' full data.

``.pandai/cache.sqlite`` has three tables. ``snapshots`` has one row per folder with the names
and columns, and the hashes and stat data in columns of their own, read only when needed.
``proofs`` keeps the evidence that a snapshot is still valid (see pandai.cache). ``blobs`` stores
the pickled full data of each client, keyed by its content hash and the code signature.
Every function here leaves the file as it was when SQLite or the file system fails.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from pandai.cache_snapshot import Snapshot

if TYPE_CHECKING:
    import sqlite3

    from pandai.cached_client import Catalog
    from pandai.workspace import Workspace

log = logging.getLogger(__name__)
# Bump when the stored layout changes. Changes of the conversion code are caught by the
# signature (pandai.cache.SOURCES).
FORMAT = 5
CACHE_FILE = "cache.sqlite"


def connect(workspace: Workspace, create: bool) -> sqlite3.Connection | None:
    """Open the cache database; None when there is none in this format and ``create`` is off.

    With ``create``, a missing file or one in another format (``PRAGMA user_version``, written
    by another pandai version) is made anew.
    """
    import sqlite3

    path = workspace.state_dir / CACHE_FILE
    if not create and not path.exists():
        return None
    if create:
        workspace.state_dir.mkdir(exist_ok=True)
        ignore = workspace.state_dir / ".gitignore"
        if not ignore.exists():
            # The cache is per machine: git must not see it, whatever the workspace ignores.
            ignore.write_text("*\n", encoding="utf-8")
    database = sqlite3.connect(str(path), timeout=2.0, isolation_level=None)
    (version,) = database.execute("PRAGMA user_version").fetchone()
    if version == FORMAT:
        return database
    if not create:
        database.close()
        return None
    database.execute("BEGIN IMMEDIATE")
    for table in ("snapshots", "proofs", "blobs"):
        database.execute(f"DROP TABLE IF EXISTS {table}")
    database.execute("CREATE TABLE snapshots (folder TEXT PRIMARY KEY, entries INTEGER, "
                     "data BLOB, hashes BLOB, stats BLOB)")
    # Apart from the snapshots, so that renewing a proof does not rewrite a large row.
    database.execute("CREATE TABLE proofs (folder TEXT PRIMARY KEY, index_checksum TEXT, "
                     "listing TEXT)")
    database.execute("CREATE TABLE blobs (key BLOB PRIMARY KEY, data BLOB)")
    database.execute(f"PRAGMA user_version = {FORMAT}")
    database.execute("COMMIT")
    return database


def stored_column(database: sqlite3.Connection, folder_key: str, column: str
                   ) -> bytes | None:
    if column not in ("hashes", "stats"):
        raise ValueError(column)
    try:
        row = database.execute(f"SELECT {column} FROM snapshots WHERE folder = ?",
                               (folder_key,)).fetchone()
    except errors() as error:
        log.warning("cannot read the client cache: %s", error)
        return None
    return row[0] if row else None


def read_proof(database: sqlite3.Connection, folder_key: str) -> tuple[str, str] | None:
    """Return the index checksum and listing proof stored for a folder, or None."""
    return database.execute("SELECT index_checksum, listing FROM proofs WHERE folder = ?",
                            (folder_key,)).fetchone()


def read_snapshot(database: sqlite3.Connection, folder_key: str, signature_text: str,
                  width: int) -> Snapshot | None:
    """Return the stored snapshot of a folder; None when there is none or it is unusable."""
    row = database.execute("SELECT data FROM snapshots WHERE folder = ?",
                           (folder_key,)).fetchone()
    if row is None:
        return None
    return Snapshot.load(row[0], signature_text, width,
                         partial(stored_column, database, folder_key))


def write_listing(database: sqlite3.Connection, folder_key: str, listing: str) -> None:
    """Store a new listing proof for a folder whose snapshot and index are unchanged."""
    try:
        database.execute("UPDATE proofs SET listing = ? WHERE folder = ?", (listing, folder_key))
    except errors() as error:
        log.warning("cannot write the client cache: %s", error)


def errors() -> tuple[type[BaseException], ...]:
    import sqlite3

    return (sqlite3.Error, OSError)


def discard(workspace: Workspace, error: BaseException) -> None:
    """Delete a cache that cannot be used, so that the next write builds a new one."""
    log.warning("ignoring the client cache: %s", error)
    for suffix in ("", "-journal"):
        try:
            (workspace.state_dir / (CACHE_FILE + suffix)).unlink(missing_ok=True)
        except OSError:
            pass


def write(workspace: Workspace, folder_key: str, signature_text: str, snapshot: Snapshot,
           catalog: Catalog) -> None:
    """Store the snapshot and the new blobs; any failure leaves the cache as it was."""
    try:
        database = catalog.database or connect(workspace, create=True)
        catalog.database = database
        database.execute("BEGIN IMMEDIATE")
        try:
            database.executemany("INSERT OR IGNORE INTO blobs (key, data) VALUES (?, ?)",
                                 ((catalog.key(digest), blob)
                                  for digest, blob in catalog.blobs.items()))
            database.execute("INSERT OR REPLACE INTO snapshots (folder, entries, data, hashes, "
                             "stats) VALUES (?, ?, ?, ?, ?)",
                             (folder_key, len(snapshot.names), *snapshot.dump(signature_text)))
            database.execute("INSERT OR REPLACE INTO proofs (folder, index_checksum, listing) "
                             "VALUES (?, ?, ?)",
                             (folder_key, snapshot.index_checksum, snapshot.listing))
            _collect_garbage(database, signature_text, catalog)
            database.execute("COMMIT")
        except BaseException:
            database.execute("ROLLBACK")
            raise
    except errors() as error:
        log.warning("cannot write the client cache: %s", error)
        if "not a database" in str(error) or "malformed" in str(error):
            discard(workspace, error)


def _collect_garbage(database: sqlite3.Connection, signature_text: str,
                     catalog: Catalog) -> None:
    """Delete the blobs no snapshot refers to, once they outnumber the live ones."""
    (count,) = database.execute("SELECT count(*) FROM blobs").fetchone()
    (entries,) = database.execute("SELECT coalesce(sum(entries), 0) FROM snapshots").fetchone()
    if count <= 2 * entries + 100:
        return
    live: set[bytes] = set()
    for folder_key, blob in database.execute("SELECT folder, data FROM snapshots").fetchall():
        snapshot = Snapshot.load(blob, signature_text, len(catalog.fieldset.fields),
                                 partial(stored_column, database, folder_key))
        if snapshot is not None:
            live.update(catalog.key(digest) for digest in snapshot.hashes if digest)
    database.execute("CREATE TEMP TABLE IF NOT EXISTS live (key BLOB PRIMARY KEY)")
    database.execute("DELETE FROM live")
    database.executemany("INSERT OR IGNORE INTO live (key) VALUES (?)", ((key,) for key in live))
    database.execute("DELETE FROM blobs WHERE key NOT IN (SELECT key FROM live)")
    database.execute("DELETE FROM live")
