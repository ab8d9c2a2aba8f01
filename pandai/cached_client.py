"""Clients served from the cache: summary values at once, the full data on first use.

A list of 100 000 clients cannot unpickle every note and status history within a second, nor
keep them in 200 MiB. So the cache (pandai.cache) keeps a *summary* of each client, the values
of the workspace's fields, and stores the full data as a pickle that a :class:`CachedClient`
reads only when a command needs more than the summary.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pandai import yamlio
from pandai.client import Client, from_file_data
from pandai.fields import FieldSet

if TYPE_CHECKING:
    import sqlite3

    from pandai.cache_snapshot import Snapshot

log = logging.getLogger(__name__)
# A summary value that is a list or a mapping: only the full data has it.
FULL = ...


def summarize(fieldset: FieldSet, data: dict[str, Any]) -> tuple:
    """Return the marshal-friendly summary of a client's field values, dates as ordinals."""
    values = []
    for item in fieldset.fields:
        value = data.get(item.name)
        kind = type(value)
        if value is None or kind is str or (kind is int and item.type != "date"):
            values.append(value)
        elif kind is date:
            values.append(value.toordinal())
        else:
            values.append(FULL)
    return tuple(values)


class Catalog:
    """The state the clients of one load share: summary columns and the store of full data."""

    def __init__(self, folder: Path, fieldset: FieldSet, signature_text: str,
                 database: sqlite3.Connection | None):
        self.folder = folder
        self.fieldset = fieldset
        self.column_of = {item.name: index for index, item in enumerate(fieldset.fields)}
        # The snapshot whose columns (one list of summary values per field) the clients read.
        self.snapshot: Snapshot | None = None
        self.date_columns = frozenset(index for index, item in enumerate(fieldset.fields)
                                      if item.type == "date")
        self.signature_text = signature_text
        self.database = database
        # Blobs parsed by this process, kept for when the database cannot be written.
        self.blobs: dict[str, bytes] = {}
        self._dates: dict[int, date] = {}

    @cached_property
    def _salt(self) -> bytes:
        # Blobs are stored under a key that includes the signature, so that pandai versions
        # that convert files differently never share one.
        import hashlib

        return hashlib.sha1(self.signature_text.encode("utf-8")).digest()

    def key(self, digest: str) -> bytes:
        """Return the blob key of a file's content hash."""
        import hashlib

        return hashlib.sha1(self._salt + digest.encode("ascii")).digest()

    def date(self, ordinal: int) -> date:
        """Return the date of an ordinal, one shared object per day."""
        day = self._dates.get(ordinal)
        if day is None:
            day = self._dates[ordinal] = date.fromordinal(ordinal)
        return day

    def value(self, index: int, raw: Any) -> Any:
        """Return what ``Client.get`` gives for the summary value ``raw`` of column ``index``.

        ``FULL`` stays ``FULL``: only the full data has that value.
        """
        if raw is None or raw == "":
            return None
        if type(raw) is int and index in self.date_columns:
            return self.date(raw)
        return raw

    def full_data(self, client: CachedClient) -> dict[str, Any]:
        """Return a client's full data: its stored pickle, else its file parsed again."""
        import pickle
        import sqlite3

        blob = self.blobs.get(client.digest)
        if blob is None and self.database is not None:
            try:
                row = self.database.execute("SELECT data FROM blobs WHERE key = ?",
                                            (self.key(client.digest),)).fetchone()
                blob = row[0] if row else None
            except sqlite3.Error as error:
                log.warning("cannot read the client cache: %s", error)
        if blob is not None:
            try:
                return pickle.loads(blob)
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as error:
                log.warning("damaged cache entry of %s: %s", client.id, error)
        # NOTE: the file may have changed since it was checked, so this is a new reading.
        log.warning("no cached data for %s; reading the file", client.id)
        path = self.folder / f"{client.id}.yaml"
        return from_file_data(client.id, yamlio.read(path), self.fieldset, path).data


class CachedClient(Client):
    """A client from the cache; it behaves exactly like a parsed ``Client``.

    ``get`` and ``name`` return values from the summary for the workspace's fields. Anything else
    (``data``, notes, status history, files, other keys) reads the full data once.
    """

    _full: dict[str, Any] | None = None
    _path: Path | None = None
    _row: int = 0
    _catalog: Catalog | None = None

    @classmethod
    def lazy(cls, client_id: str, catalog: Catalog, row: int, archived: bool,
             problems: list[tuple[str, str]]) -> CachedClient:
        """Return the client of ``row`` in the catalog's snapshot; its full data is read later."""
        client = cls.__new__(cls)
        client.__dict__.update(id=client_id, _catalog=catalog, _row=row, archived=archived,
                               problems=problems)
        return client

    @property
    def digest(self) -> str:
        """The content hash of the client's file when it was cached."""
        return self._catalog.snapshot.hashes[self._row]

    @property  # type: ignore[override]
    def data(self) -> dict[str, Any]:
        if self._full is None:
            self._full = self._catalog.full_data(self) if self._catalog else {}
        return self._full

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self._full = value

    @property  # type: ignore[override]
    def path(self) -> Path | None:
        if self._path is None and self._catalog is not None:
            self._path = self._catalog.folder / f"{self.id}.yaml"
        return self._path

    @path.setter
    def path(self, value: Path | None) -> None:
        self._path = value

    def get(self, key: str, default: Any = None) -> Any:
        catalog = self._catalog
        if self._full is None and catalog is not None:
            index = catalog.column_of.get(key)
            if index is not None:
                value = catalog.value(index, catalog.snapshot.columns[index][self._row])
                if value is None:
                    return default
                if value is not FULL:
                    return value
        return super().get(key, default)

    @property
    def name(self) -> str:
        return str(self.get("name") or self.id)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Client):
            return NotImplemented
        return (self.id, self.data, self.path, self.archived, self.problems) == (
            other.id, other.data, other.path, other.archived, other.problems)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple:
        # Copies and pickles are plain clients, independent of this process's cache.
        return (Client, (self.id, self.data, self.path, self.archived, list(self.problems)))


class SummaryView:
    """The clients of one cached load before any is built, for filters to choose from.

    A position is an index into the snapshot's lists, in file name order. ``client`` builds a
    client at most once per position.
    """

    def __init__(self, catalog: Catalog, names: list[str], build: Callable[[int], Client]):
        self.catalog = catalog
        self.names = names
        self._build = build
        self._built: dict[int, Client] = {}

    def __len__(self) -> int:
        return len(self.names)

    def column(self, name: str) -> list | None:
        """Return the summary values of field ``name``, or None when it has none."""
        index = self.catalog.column_of.get(name)
        return None if index is None else self.catalog.snapshot.columns[index]

    def value(self, name: str, raw: Any) -> Any:
        """Return what ``Client.get(name)`` gives for the summary value ``raw``."""
        return self.catalog.value(self.catalog.column_of[name], raw)

    def ids(self) -> list[str] | None:
        """Return the client ids, one per position."""
        return [name[:-5] for name in self.names]

    def client(self, position: int) -> Client:
        client = self._built.get(position)
        if client is None:
            client = self._built[position] = self._build(position)
        return client


class ClientsView:
    """Clients already built, offered to filters the way a :class:`SummaryView` is."""

    def __init__(self, clients: list[Client]):
        self.clients = clients

    def __len__(self) -> int:
        return len(self.clients)

    def column(self, name: str) -> list | None:
        return None

    def value(self, name: str, raw: Any) -> Any:
        raise KeyError(name)

    def ids(self) -> list[str] | None:
        return None

    def client(self, position: int) -> Client:
        return self.clients[position]
