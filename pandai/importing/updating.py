"""Applying an import row to the existing client it duplicates: ``--on-duplicate update|merge``.

``update`` fills the client's empty fields from the row, and with ``--overwrite`` also replaces
the fields whose value differs. ``merge`` does the same and then appends what the row adds:
its notes and status history entries, and its e-mails and phones under ``emails`` and
``phones``, each only when the client does not have it yet.
"""

from __future__ import annotations

from datetime import date, datetime

from pandai.client import Client
from pandai.fields import LIST_KEYS
from pandai.i18n import _, ngettext
from pandai.importing.rows import RowResult, note_entries
from pandai.yamlio import FlowDict

# Keys that only merge touches: they add to what the client has.
_EXTRA_KEYS = ("emails", "phones")


def apply_row(target: Client, result: RowResult, mode: str, overwrite: bool, today: date,
              now: datetime, user: str) -> list[str]:
    """Change ``target`` by the row; return what changed, such as ``fills company``."""
    changes: list[str] = []
    filled, replaced = [], []
    for key, value in result.client.data.items():
        if key in LIST_KEYS or key in _EXTRA_KEYS:
            continue
        current = target.get(key)
        if current is None:
            filled.append(key)
        elif overwrite and current != value:
            replaced.append(key)
        else:
            continue
        if key == "status" and current != value:
            target.record_status(today, user, current, value)
        target.set(key, value)
    if filled:
        changes.append(_("fills {fields}").format(fields=", ".join(filled)))
    if replaced:
        changes.append(_("overwrites {fields}").format(fields=", ".join(replaced)))
    if mode == "merge":
        changes += _merge_lists(target, result, now, user)
    return changes


def _merge_lists(target: Client, result: RowResult, now: datetime, user: str) -> list[str]:
    changes = []
    texts = {str(note.get("text", "")).strip() for note in target.notes}
    new_notes = [note for note in note_entries(result.notes, now, user)
                 if str(note["text"]).strip() not in texts]
    if new_notes:
        target.data["notes"] = [*target.notes, *new_notes]
        changes.append(ngettext("adds {count} note", "adds {count} notes",
                                len(new_notes)).format(count=len(new_notes)))

    known = {_history_key(entry) for entry in target.status_history}
    new_history = [entry for entry in result.history or [] if _history_key(entry) not in known]
    if new_history:
        merged = sorted([*target.status_history, *new_history], key=lambda entry: str(entry["at"]))
        target.data["status_history"] = merged
        changes.append(ngettext("adds {count} status change", "adds {count} status changes",
                                len(new_history)).format(count=len(new_history)))

    for kind in ("email", "phone"):
        added = _merge_contacts(target, result.client, kind)
        if added and kind == "email":
            changes.append(ngettext("adds {count} e-mail", "adds {count} e-mails",
                                    added).format(count=added))
        elif added:
            changes.append(ngettext("adds {count} phone", "adds {count} phones",
                                    added).format(count=added))
    return changes


def _history_key(entry: dict) -> tuple:
    return (str(entry.get("at", ""))[:10], entry.get("from"), entry.get("to"))


def _merge_contacts(target: Client, incoming: Client, kind: str) -> int:
    """Add the row's e-mails or phones that the client lacks to its extras; return how many."""
    key = kind + "s"
    extras = [entry for entry in target.data.get(key) or [] if isinstance(entry, dict)]
    known = {str(target.get(kind))} | {str(entry.get("value")) for entry in extras}
    offered = []
    if incoming.get(kind) is not None:
        offered.append(FlowDict(value=incoming.get(kind)))
    offered += [FlowDict(entry) for entry in incoming.data.get(key) or []]
    added = []
    for entry in offered:
        if str(entry["value"]) not in known:
            known.add(str(entry["value"]))
            added.append(entry)
    if not added:
        return 0
    target.data[key] = [FlowDict(entry) for entry in extras] + added
    return len(added)
