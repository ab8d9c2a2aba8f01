"""A client: one YAML file, its typed fields, notes and status history.

The file format is documented in docs/file-format.md. This module converts between the raw
file data (all strings, see yamlio) and a ``Client`` with typed values, and back in a stable
key order, so that a file pandai wrote reads back identical.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from pandai import fields as fieldtypes
from pandai.errors import FileError
from pandai.fields import LIST_KEYS, FieldSet
from pandai.i18n import _
from pandai.yamlio import FlowDict, FlowList

NOTE_KINDS = ("note", "call", "email", "meeting")
# Interaction kinds: a note of one of these also records the day as the last contact.
INTERACTION_KINDS = ("call", "email", "meeting")
MENTION = re.compile(r"(?<![\w.])@([\w.-]*\w)", re.UNICODE)


@dataclass
class Client:
    """One client; ``data`` contains typed field values and raw lists in file key order."""

    id: str
    data: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    archived: bool = False
    # Values that did not fit their field type, as (key, message); kept as written in the file.
    problems: list[tuple[str, str]] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        """Return a field value, or ``default`` when the client has none."""
        value = self.data.get(key)
        return default if fieldtypes.is_empty(value) else value

    def set(self, key: str, value: Any) -> None:
        """Set a field; an empty value removes the key from the file."""
        if fieldtypes.is_empty(value):
            self.data.pop(key, None)
        else:
            self.data[key] = value

    @property
    def name(self) -> str:
        return str(self.data.get("name") or self.id)

    @property
    def notes(self) -> list[dict[str, Any]]:
        notes = self.data.get("notes")
        return notes if isinstance(notes, list) else []

    @property
    def status_history(self) -> list[dict[str, Any]]:
        history = self.data.get("status_history")
        return history if isinstance(history, list) else []

    @property
    def files(self) -> list[str]:
        files = self.data.get("files")
        return [str(name) for name in files] if isinstance(files, list) else []

    def add_note(self, at: datetime, by: str, kind: str, text: str) -> dict[str, Any]:
        """Append a note (the file keeps notes oldest first) and return it."""
        note = {"at": at, "by": by, "kind": kind, "text": text}
        self.data["notes"] = [*self.notes, note]
        return note

    def record_status(self, at: date, by: str, old: str | None, new: str,
                      reason: str | None = None) -> None:
        """Append a status change to status_history."""
        entry: dict[str, Any] = {"at": at, "by": by}
        if old:
            entry["from"] = old
        entry["to"] = new
        if reason:
            entry["reason"] = reason
        self.data["status_history"] = [*self.status_history, entry]


def last_activity(client: Client) -> date | None:
    """Return the client's last contact date, else its creation date, else None."""
    for key in ("last_contact", "created"):
        value = client.get(key)
        if isinstance(value, date):
            return value
    return None


def make_slug(name: str) -> str:
    """Return an ASCII slug of a name: ``Kiss Péter`` becomes ``kiss-peter``."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:60].rstrip("-") or "client"


def make_id(name: str, taken: Iterable[str]) -> str:
    """Return a new unique id for ``name``, adding ``-2``, ``-3``… when the slug is taken."""
    slug = make_slug(name)
    # A set is used as it is: copying it for every new client made a large import quadratic.
    existing = taken if isinstance(taken, (set, frozenset)) else set(taken)
    if slug not in existing:
        return slug
    number = 2
    while f"{slug}-{number}" in existing:
        number += 1
    return f"{slug}-{number}"


def _parse_timestamp(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    # A plain date is tried first: since Python 3.11 datetime.fromisoformat also accepts
    # "2026-10-02" and would turn a status_history day into midnight, changing the file.
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        return text


def _convert_entries(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        return raw
    entries = []
    for entry in raw:
        if isinstance(entry, dict):
            entry = dict(entry)
            if "at" in entry:
                entry["at"] = _parse_timestamp(entry["at"])
        entries.append(entry)
    return entries


def from_file_data(client_id: str, raw: Any, fieldset: FieldSet, path: Path) -> Client:
    """Build a Client from parsed file data; raise FileError when it is not a mapping."""
    if not isinstance(raw, dict):
        raise FileError(_("{path}:1: a client file must be a mapping of fields, such as "
                          "'name: Kiss Péter'.").format(path=path), path, 1)
    client = Client(client_id, path=path)
    for key, value in raw.items():
        key = str(key)
        known = fieldset.by_file_key(key)
        if key in ("notes", "status_history"):
            client.data[key] = _convert_entries(value)
        elif known is not None and value is not None:
            try:
                client.data[key] = fieldtypes.from_file(known, value)
            except ValueError as error:
                client.data[key] = value
                client.problems.append((key, str(error)))
        else:
            client.data[key] = value
    return client


def _entry_to_file(entry: Any, flow: bool) -> Any:
    if not isinstance(entry, dict):
        return entry
    if flow and not any(isinstance(value, str) and "\n" in value for value in entry.values()):
        return FlowDict(entry)
    return dict(entry)


def to_file_data(client: Client, fieldset: FieldSet) -> dict[str, Any]:
    """Return the client's data in file key order: fields, other keys, then the lists."""
    ordered: dict[str, Any] = {}
    for item in fieldset.fields:
        value = client.data.get(item.name)
        if not fieldtypes.is_empty(value):
            ordered[item.name] = fieldtypes.to_file(item, value)
    for key, value in client.data.items():
        if key not in ordered and key not in LIST_KEYS and value is not None:
            # Lists of mappings, such as the extra ``emails`` of an import, stay flow mappings.
            if isinstance(value, list):
                value = [_entry_to_file(entry, flow=True) for entry in value]
            ordered[key] = value
    if client.notes:
        ordered["notes"] = [_entry_to_file(note, flow=False) for note in client.notes]
    if client.status_history:
        ordered["status_history"] = [_entry_to_file(entry, flow=True)
                                     for entry in client.status_history]
    if client.files:
        ordered["files"] = FlowList(client.files)
    return ordered


def mentions(text: str) -> list[str]:
    """Return the names mentioned with ``@`` in a note text, in order."""
    return MENTION.findall(text)
