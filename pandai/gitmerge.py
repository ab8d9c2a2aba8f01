"""A git merge driver that merges client files by their meaning instead of by lines.

git calls ``pandai merge-file BASE OURS THEIRS PATH`` for ``clients/*.yaml`` and
``archive/*.yaml`` (see ``.gitattributes``) and expects the result in OURS. The rules:

- ``notes`` and ``status_history`` from both sides are kept, each entry once (an entry is the
  same when its time, author and text or status step are the same), in time order;
- ``files`` is the union of both lists;
- any other key changed on one side only takes that side;
- a key changed differently on both sides is a conflict: OURS keeps our value, and the entry
  ``merge_conflicts: [{field, ours, theirs}]`` records both, where ``pandai show``, ``sync`` and
  ``doctor`` point to it until a person edits the file and removes the entry;
- two different clients added on both sides under the same id keep ours in the file and
  theirs whole in ``merge_conflicts`` with ``field: client``; ``pandai sync`` then moves it into
  a client file of its own.

Nothing is lost, and the result is always valid YAML, so the driver reports success to git.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pandai import yamlio
from pandai.client import from_file_data, to_file_data
from pandai.fields import FieldSet
from pandai.parsing import fold

CONFLICTS_KEY = "merge_conflicts"
WHOLE_CLIENT = "client"


def _load(text: str, path: Path) -> dict[str, Any]:
    data = yamlio.parse(text, path) if text.strip() else {}
    return data if isinstance(data, dict) else {}


def _note_identity(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return repr(entry)
    return (str(entry.get("at", "")), str(entry.get("by", "")), str(entry.get("kind", "")),
            str(entry.get("text", "")))


def _history_identity(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return repr(entry)
    return (str(entry.get("at", "")), str(entry.get("by", "")), str(entry.get("from", "")),
            str(entry.get("to", "")))


def _union(ours: Any, theirs: Any, identity, ordered: bool) -> list[Any]:
    result = list(ours) if isinstance(ours, list) else []
    seen = {identity(entry) for entry in result}
    for entry in theirs if isinstance(theirs, list) else []:
        if identity(entry) not in seen:
            seen.add(identity(entry))
            result.append(entry)
    if ordered:
        # ISO dates and date-times sort correctly as text; the sort is stable for equal times.
        result.sort(key=lambda entry: str(entry.get("at", "")) if isinstance(entry, dict) else "")
    return result


def same_client(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Return True when two clients added separately are one person.

    E-mails decide when both have one, then phones, then the name and company.
    """
    for key in ("email", "phone"):
        mine, other = str(ours.get(key) or "").lower(), str(theirs.get(key) or "").lower()
        if mine and other:
            return mine == other
    name_ours = (fold(str(ours.get("name", ""))), fold(str(ours.get("company", ""))))
    name_theirs = (fold(str(theirs.get("name", ""))), fold(str(theirs.get("company", ""))))
    return name_ours == name_theirs


def merge_data(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
               ) -> dict[str, Any]:
    """Merge three versions of a client's file data; conflicts go under ``merge_conflicts``."""
    conflicts = _union(ours.get(CONFLICTS_KEY), theirs.get(CONFLICTS_KEY), repr, ordered=False)
    if not base and ours and theirs and not same_client(ours, theirs):
        merged = dict(ours)
        conflicts.append({"field": WHOLE_CLIENT, "theirs": theirs})
        merged[CONFLICTS_KEY] = conflicts
        return merged

    merged: dict[str, Any] = {}
    keys = list(dict.fromkeys([*ours, *theirs]))
    for key in keys:
        if key == CONFLICTS_KEY:
            continue
        if key == "notes":
            merged[key] = _union(ours.get(key), theirs.get(key), _note_identity, ordered=True)
        elif key == "status_history":
            merged[key] = _union(ours.get(key), theirs.get(key), _history_identity, ordered=True)
        elif key == "files":
            merged[key] = _union(ours.get(key), theirs.get(key), repr, ordered=False)
        else:
            mine, other, original = ours.get(key), theirs.get(key), base.get(key)
            if mine == other or other == original:
                value = mine
            elif mine == original:
                value = other
            else:
                value = mine
                conflicts.append({"field": key, "ours": mine, "theirs": other})
            if value is not None:
                merged[key] = value
    if conflicts:
        merged[CONFLICTS_KEY] = conflicts
    return merged


def merge_files(base_path: Path, ours_path: Path, theirs_path: Path, shown_path: Path,
                fieldset: FieldSet) -> list[dict[str, Any]]:
    """Merge three client files into ``ours_path``; return the conflicts recorded there.

    Raise FileError when one of the versions is not valid YAML; git then falls back to
    reporting a conflict, and the file keeps its own content.
    """
    base = _load(base_path.read_text(encoding="utf-8"), shown_path)
    ours = _load(ours_path.read_text(encoding="utf-8"), shown_path)
    theirs = _load(theirs_path.read_text(encoding="utf-8"), shown_path)
    merged = merge_data(base, ours, theirs)

    client = from_file_data(shown_path.stem, merged, fieldset, shown_path)
    data = to_file_data(client, fieldset)
    conflicts = data.pop(CONFLICTS_KEY, None)
    if conflicts:
        data[CONFLICTS_KEY] = conflicts
    yamlio.write(ours_path, data)
    return conflicts or []
