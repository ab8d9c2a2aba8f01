"""Merging two clients into one.

:func:`plan_merge` computes a merge without writing anything and :func:`apply_merge` writes it in
one commit. The merge loses nothing: notes and status history of both are kept in time order,
the attachments move to the kept client, and every value of the removed client that differs from
the kept one is recorded in a note. Finding the pairs to merge is in :mod:`pandai.duplicates`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pandai import fields as fieldtypes
from pandai import gitops, store
from pandai.actions import now
from pandai.client import Client
from pandai.errors import FileError, InvalidInput
from pandai.exporting import plain_text
from pandai.fields import LIST_KEYS
from pandai.i18n import _
from pandai.workspace import Workspace

from pandai.duplicates import read_pairs, write_pairs


# Merging

@dataclass
class FileMove:
    """An entry of the removed client's files folder and its name in the kept client's folder."""

    source: Path
    name: str


@dataclass
class MergePlan:
    """A merge computed before anything is written.

    ``filled`` are the fields the kept client gets from the removed one. ``differing`` are the
    values of the removed client that the kept one overrides, and the note added to ``merged``
    records them.
    """

    kept: Client
    removed: Client
    merged: Client
    filled: list[tuple[str, Any]] = field(default_factory=list)
    differing: list[tuple[str, Any]] = field(default_factory=list)
    added_notes: int = 0
    added_history: int = 0
    moves: list[FileMove] = field(default_factory=list)


def plan_merge(workspace: Workspace, kept_term: str, removed_term: str) -> MergePlan:
    """Compute the merge of the second client into the first, writing nothing.

    Field values of the kept client win, and its empty fields are filled from the removed one,
    with three exceptions that keep what is true of both: tags are joined, ``last_contact`` is
    the later date and ``created`` the earlier one. Raise InvalidInput when both terms name
    the same client.
    """
    kept = store.find_client(workspace, kept_term, include_archived=True)
    removed = store.find_client(workspace, removed_term, include_archived=True)
    if kept.id == removed.id:
        raise InvalidInput(_("Cannot merge {id} with itself: give the ids of two different "
                             "clients.").format(id=kept.id))

    merged = Client(kept.id, copy.deepcopy(kept.data), kept.path, kept.archived)
    plan = MergePlan(kept, removed, merged)
    _merge_fields(plan)
    plan.added_notes = _merge_entries(merged, "notes", kept.notes, removed.notes)
    plan.added_history = _merge_entries(merged, "status_history", kept.status_history,
                                        removed.status_history)
    _plan_files(workspace, plan)

    summary = ", ".join(f"{key}: {plain_text(value)}" for key, value in plan.differing)
    text = _("Merged from {id}: {values}").format(id=removed.id, values=summary) if summary \
        else _("Merged from {id}.").format(id=removed.id)
    merged.add_note(now(), workspace.author(), "note", text)
    return plan


def _merge_fields(plan: MergePlan) -> None:
    merged = plan.merged
    for key, value in plan.removed.data.items():
        if key in LIST_KEYS or fieldtypes.is_empty(value):
            continue
        current = merged.get(key)
        if fieldtypes.is_empty(current):
            merged.set(key, copy.deepcopy(value))
            plan.filled.append((key, value))
        elif key == "tags" and isinstance(current, list) and isinstance(value, list):
            added = [tag for tag in value if tag not in current]
            if added:
                merged.set(key, [*current, *added])
                plan.filled.append((key, added))
        elif current == value:
            continue
        elif key == "last_contact" and _both_dates(current, value):
            if value > current:
                merged.set(key, value)
                plan.filled.append((key, value))
        elif key == "created" and _both_dates(current, value):
            if value < current:
                merged.set(key, value)
                plan.filled.append((key, value))
        else:
            plan.differing.append((key, value))


def _both_dates(one: Any, other: Any) -> bool:
    return isinstance(one, date) and isinstance(other, date) \
        and not isinstance(one, datetime) and not isinstance(other, datetime)


def _moment(value: Any) -> float:
    """Return a sort key for a note or history time; entries without one go last."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.astimezone()).timestamp()
    if isinstance(value, date):
        return datetime.combine(value, time()).astimezone().timestamp()
    return math.inf


def _identity(entry: Any) -> Any:
    if isinstance(entry, dict):
        return tuple(sorted((str(key), str(value)) for key, value in entry.items()))
    return str(entry)


def _merge_entries(merged: Client, key: str, kept: list[Any], removed: list[Any]) -> int:
    """Join two lists of notes or history entries in time order; return how many were added."""
    seen = {_identity(entry) for entry in kept}
    added = []
    for entry in removed:
        if _identity(entry) not in seen:
            seen.add(_identity(entry))
            added.append(copy.deepcopy(entry))
    if added:
        entries = [*copy.deepcopy(kept), *added]
        # A stable sort keeps the kept client's entry first when two have the same time.
        entries.sort(key=lambda entry: _moment(entry.get("at")) if isinstance(entry, dict)
                     else math.inf)
        merged.data[key] = entries
    return len(added)


def _plan_files(workspace: Workspace, plan: MergePlan) -> None:
    source_folder = _files_folder(workspace, plan.removed)
    target_folder = _files_folder(workspace, plan.kept)
    taken = set(plan.kept.files)
    if target_folder.is_dir():
        taken |= {path.name for path in target_folder.iterdir()}
    renamed: dict[str, str] = {}
    if source_folder.is_dir():
        for path in sorted(source_folder.iterdir()):
            name = _free_name(path.name, taken)
            taken.add(name)
            renamed[path.name] = name
            plan.moves.append(FileMove(path, name))

    # Listed names come first in their order, then files that were in the folder but not listed.
    names = list(plan.kept.files)
    for listed in plan.removed.files:
        if listed not in renamed:
            renamed[listed] = _free_name(listed, taken)
            taken.add(renamed[listed])
        names.append(renamed[listed])
    names += [move.name for move in plan.moves
              if move.source.name not in plan.removed.files and not move.name.startswith(".")]
    plan.merged.set("files", names)


def _files_folder(workspace: Workspace, client: Client) -> Path:
    store.check_id(client.id)
    folder = workspace.files_dir / client.id
    # A folder that is a symbolic link could make the merge move files outside the workspace.
    root = workspace.root.resolve() / workspace.files_dir.name
    if folder.exists() and not folder.resolve().is_relative_to(root):
        raise InvalidInput(_("Cannot merge: {path} resolves to {resolved}, which is outside "
                             "{root}. Replace the symbolic link with a folder.").format(
            path=folder, resolved=folder.resolve(), root=root))
    return folder


def _free_name(name: str, taken: set[str]) -> str:
    """Return ``name``, or with -2, -3… before its extension when it is taken."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    candidate = name
    number = 2
    while candidate in taken:
        candidate = f"{stem}-{number}.{extension}" if extension else f"{stem}-{number}"
        number += 1
    return candidate


def apply_merge(workspace: Workspace, plan: MergePlan) -> bool:
    """Write a merge in one commit ``merge <removed> into <kept>``; return True when committed.

    The attachments move to the kept client's folder, the kept client is saved and the removed
    client's file deleted (git keeps its history). The change goes through the journal, so an
    interruption completes it rather than leaving half of it.
    """
    removed_path = store.client_path(workspace, plan.removed)
    target_folder = workspace.files_dir / plan.kept.id
    untracked = _untracked(workspace, [removed_path, *(move.source for move in plan.moves)])

    with store.Change(workspace, f"merge {plan.removed.id} into {plan.kept.id}") as change:
        _check_unchanged(workspace, plan)
        for move in plan.moves:
            change.move(move.source, target_folder / move.name)
        change.save(plan.merged)
        change.remove(removed_path)
        # git cannot stage the removal of a file it never tracked.
        change.paths = [path for path in change.paths if path not in untracked]
        pairs = read_pairs(workspace)
        kept_pairs = [pair for pair in pairs if plan.removed.id not in pair]
        if len(kept_pairs) != len(pairs):
            # A later client may get the removed id, and must not inherit its marks.
            write_pairs(workspace, kept_pairs, change)

    source_folder = workspace.files_dir / plan.removed.id
    if source_folder.is_dir() and not any(source_folder.iterdir()):
        source_folder.rmdir()
    return change.committed


def _check_unchanged(workspace: Workspace, plan: MergePlan) -> None:
    """Raise InvalidInput when either client changed on disk since the merge was planned."""
    for client in (plan.kept, plan.removed):
        path = store.client_path(workspace, client)
        try:
            current = store.render_client(workspace, store.read_client(workspace, path,
                                                                       client.archived))
        except FileError:
            current = None
        if current != store.render_client(workspace, client):
            raise InvalidInput(_("{id} changed while the merge waited for confirmation, so "
                                 "nothing was merged. Run the merge again.").format(id=client.id))


def _untracked(workspace: Workspace, paths: list[Path]) -> set[Path]:
    """Return the paths git does not track, which must not be staged once they are gone."""
    if not paths or not workspace.has_git or not workspace.config.auto_commit:
        return set()
    relative = [str(path.relative_to(workspace.root)) for path in paths]
    listed = gitops.run(workspace.root, "ls-files", "-z", "--", *relative).stdout
    names = {name for name in listed.split("\0") if name}
    result = set()
    for path, name in zip(paths, relative):
        # A moved folder counts as tracked when git tracks any file inside it.
        if name not in names and not any(item.startswith(name + "/") for item in names):
            result.add(path)
    return result
