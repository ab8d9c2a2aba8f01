"""The activity log: what changed in each client file, commit by commit, read from git.

Two git processes do all the reading, however long the history is. ``git log --raw`` lists the
blob ids of a client file before and after every commit that touched it. ``git cat-file
--batch`` then reads all of those blobs. Each version is parsed like a client file on disk, and
the two versions of a commit are compared field by field. Any commit counts, whether pandai made
it or a person committed a hand edit.

A client keeps its id when it is archived, so ``clients/<id>.yaml`` and ``archive/<id>.yaml``
together contain its whole history. A commit that deletes one and adds the other is a move.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pandai import fields as fieldtypes
from pandai import gitops, store, yamlio
from pandai.client import Client, from_file_data
from pandai.errors import ClientNotFound, FileError, GitError, InvalidInput, PandaiError
from pandai.fields import LIST_KEYS
from pandai.i18n import _
from pandai.parsing import parse_date
from pandai.workspace import Workspace

CLIENT_FOLDERS = ("clients", "archive")
_MISSING_BLOB = "0" * 40
# A bare count of days, weeks, months or years ("7d", "2w") means that long ago in --since.
_BARE_OFFSET = re.compile(r"^\d+\s*[a-zA-Zéóá]+$")


@dataclass
class Change:
    """One change to a client in one commit.

    ``kind`` is one of: created, deleted, archived, unarchived, field, note_added,
    note_removed, file_attached, file_removed, unreadable, repaired. A field change has the file
    key in ``field`` and the typed values in ``old`` and ``new``, None when the field was added
    or removed. A note change has the note in ``note``. ``text`` is a file name, or the reason
    a version could not be read.
    """

    kind: str
    field: str | None = None
    old: Any = None
    new: Any = None
    note: dict[str, Any] | None = None
    text: str = ""


@dataclass
class Entry:
    """The changes one commit made to one client file."""

    commit: str
    date: datetime
    author: str
    email: str
    subject: str
    client: str
    name: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class _Version:
    blob: str
    folder: str


@dataclass
class _Touch:
    """One client file touched by a commit: its version before and after."""

    client: str
    old: _Version | None = None
    new: _Version | None = None


@dataclass
class _Commit:
    sha: str
    author: str
    email: str
    date: datetime
    subject: str
    touches: list[_Touch] = field(default_factory=list)


# Reading the log

def client_history(workspace: Workspace, term: str, since: date | None = None,
                   until: date | None = None, author: str | None = None,
                   limit: int | None = None) -> tuple[str, list[Entry]]:
    """Return a client's id and its activity log, newest first.

    ``term`` is an id or a unique search term, archived clients included. An id whose file is
    gone (deleted by hand) still has a history while git remembers it.
    """
    _require_git(workspace)
    try:
        client_id = store.find_client(workspace, term, include_archived=True).id
    except ClientNotFound as missing:
        client_id = term.strip()
        try:
            store.check_id(client_id)
        except InvalidInput:
            raise missing from None
        entries = _history(workspace, _client_paths(client_id), since, until, author, limit)
        if not entries:
            raise
        return client_id, entries
    return client_id, _history(workspace, _client_paths(client_id), since, until, author, limit)


def _client_paths(client_id: str) -> list[str]:
    return [f"{folder}/{client_id}.yaml" for folder in CLIENT_FOLDERS]


def workspace_history(workspace: Workspace, since: date | None = None,
                      until: date | None = None, author: str | None = None,
                      limit: int | None = None) -> list[Entry]:
    """Return the activity log of every client file, newest commit first.

    ``limit`` counts commits, so a commit that changed many clients is never cut in half.
    """
    _require_git(workspace)
    return _history(workspace, list(CLIENT_FOLDERS), since, until, author, limit)


def parse_since(text: str, today: date) -> date:
    """Parse a --since or --until day: a date, ``today``, ``-7d``, or ``7d`` meaning 7 days ago."""
    cleaned = text.strip()
    if _BARE_OFFSET.match(cleaned):
        cleaned = "-" + cleaned
    return parse_date(cleaned, today)


def _require_git(workspace: Workspace) -> None:
    if not workspace.has_git:
        raise PandaiError(_("The activity log is read from git, and {path} is not a git "
                            "repository. Run 'git init' there and commit the files to start "
                            "the history.").format(path=workspace.root))


def _history(workspace: Workspace, paths: list[str], since: date | None, until: date | None,
             author: str | None, limit: int | None) -> list[Entry]:
    if gitops.run(workspace.root, "rev-parse", "--verify", "-q", "HEAD",
                  check=False).returncode != 0:
        return []
    commits = [commit for commit in _read_log(workspace, paths, since, until, author)
               if commit.touches]
    if limit is not None:
        commits = commits[:max(limit, 0)]

    blobs = {version.blob for commit in commits for touch in commit.touches
             for version in (touch.old, touch.new) if version is not None}
    texts = _read_blobs(workspace.root, blobs)
    parsed: dict[str, Client | FileError] = {}

    def version_of(client_id: str, version: _Version | None) -> Client | FileError | None:
        if version is None:
            return None
        if version.blob not in parsed:
            parsed[version.blob] = _parse_version(workspace, client_id, version,
                                                  texts.get(version.blob, b""))
        return parsed[version.blob]

    entries = []
    for commit in commits:
        for touch in commit.touches:
            old = version_of(touch.client, touch.old)
            new = version_of(touch.client, touch.new)
            entries.append(Entry(commit.sha, commit.date, commit.author, commit.email,
                                 commit.subject, touch.client, _name_of(new, old, touch.client),
                                 _changes(workspace, touch, old, new)))
    return entries


def _read_log(workspace: Workspace, paths: list[str], since: date | None,
              until: date | None, author: str | None) -> list[_Commit]:
    # -z keeps paths with spaces or accents unquoted. --no-renames reports a move as a delete
    # and an add, which _touches pairs up by client id.
    args = ["--literal-pathspecs", "-c", "i18n.logOutputEncoding=UTF-8", "log", "-z", "--raw", "--no-abbrev", "--no-renames",
            "--no-merges", "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s"]
    if since is not None:
        args.append(f"--since={since.isoformat()} 00:00:00")
    if until is not None:
        args.append(f"--until={until.isoformat()} 23:59:59")
    args += _author_options(workspace, author)
    # NOTE: merge commits are skipped: the commits on both sides of a merge are listed
    # themselves, but a change made while resolving a conflict is not shown.
    output = _run_git(workspace.root, "log", [*args, "--", *paths])
    text = output.decode("utf-8", errors="replace")
    return [commit for record in text.split("\x1e")[1:]
            if (commit := _parse_record(record)) is not None]


def _author_options(workspace: Workspace, author: str | None) -> list[str]:
    if not author or not author.strip():
        return []
    # A team member is matched by name or e-mail; any other text is matched as written.
    member = workspace.team.resolve(author)
    patterns = [value for value in (member.name, member.email) if value] if member else []
    patterns = patterns or [author.strip().lstrip("@")]
    return ["--fixed-strings", "--regexp-ignore-case",
            *(f"--author={pattern}" for pattern in patterns)]


def _parse_record(record: str) -> _Commit | None:
    header, _separator, raw = record.partition("\0")
    parts = header.split("\x1f")
    if len(parts) != 5:
        return None
    sha, author, email, when, subject = parts
    commit = _Commit(sha, author, email, datetime.fromisoformat(when), subject)
    tokens = raw.lstrip("\n").split("\0")
    files: list[tuple[str, str, str, str]] = []
    for index in range(0, len(tokens) - 1, 2):
        meta, path = tokens[index], tokens[index + 1]
        fields = meta.lstrip(":").split()
        if len(fields) == 5:
            files.append((fields[2], fields[3], fields[4], path))
    commit.touches = _touches(files)
    return commit


def _touches(files: list[tuple[str, str, str, str]]) -> list[_Touch]:
    """Pair the changed paths of one commit by client id, preferring clients/ over archive/."""
    by_id: dict[str, _Touch] = {}
    for old_blob, new_blob, _status, path in files:
        folder, _slash, name = path.partition("/")
        if folder not in CLIENT_FOLDERS or "/" in name or not name.endswith(".yaml") \
                or name.startswith("."):
            continue
        touch = by_id.setdefault(name[:-len(".yaml")], _Touch(name[:-len(".yaml")]))
        if old_blob != _MISSING_BLOB and (touch.old is None or folder == "clients"):
            touch.old = _Version(old_blob, folder)
        if new_blob != _MISSING_BLOB and (touch.new is None or folder == "clients"):
            touch.new = _Version(new_blob, folder)
    return list(by_id.values())


def _run_git(root: Path, command: str, args: list[str], input_bytes: bytes | None = None
             ) -> bytes:
    """Run git and return its raw output, which is UTF-8 whatever the user's locale is."""
    try:
        result = subprocess.run(["git", "-C", str(root), *args], input=input_bytes,
                                capture_output=True, env=gitops._environment(), check=False)
    except OSError as error:
        raise GitError(_("Cannot run git: {reason}. Install git or check PATH.").format(
            reason=error)) from error
    if result.returncode != 0:
        raise GitError(_("git {command} failed: {output}").format(
            command=command,
            output=result.stderr.decode("utf-8", errors="replace").strip()))
    return result.stdout


def _read_blobs(root: Path, blobs: set[str]) -> dict[str, bytes]:
    """Read many blobs through a single ``git cat-file --batch`` process."""
    if not blobs:
        return {}
    ordered = sorted(blobs)
    output = _run_git(root, "cat-file", ["cat-file", "--batch"],
                      "".join(f"{blob}\n" for blob in ordered).encode())

    texts: dict[str, bytes] = {}
    position = 0
    for blob in ordered:
        line_end = output.index(b"\n", position)
        header = output[position:line_end].split()
        position = line_end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        texts[blob] = output[position:position + size]
        position += size + 1
    return texts


def _parse_version(workspace: Workspace, client_id: str, version: _Version, data: bytes
                   ) -> Client | FileError:
    path = Path(version.folder) / f"{client_id}.yaml"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return FileError(_("not valid UTF-8 (byte {offset})").format(offset=error.start), path)
    try:
        return from_file_data(client_id, yamlio.parse(text, path), workspace.fieldset, path)
    except FileError as error:
        return error


def _name_of(new: Client | FileError | None, old: Client | FileError | None,
             client_id: str) -> str:
    for version in (new, old):
        if isinstance(version, Client):
            return version.name
    return client_id


# Comparing two versions

def _changes(workspace: Workspace, touch: _Touch, old: Client | FileError | None,
             new: Client | FileError | None) -> list[Change]:
    changes: list[Change] = []
    if touch.old is None:
        changes.append(Change("created"))
    elif touch.new is None:
        changes.append(Change("deleted"))
    elif touch.old.folder != touch.new.folder:
        changes.append(Change("archived" if touch.new.folder == "archive" else "unarchived"))

    if isinstance(new, FileError):
        changes.append(Change("unreadable", text=new.reason()))
    # A new file's fields, notes and files are its starting state, not changes.
    if touch.old is None or not isinstance(new, Client):
        return changes

    if not isinstance(old, Client):
        # NOTE: with no readable version before, the changes made while repairing the file
        # are not listed.
        return [*changes, Change("repaired")]
    return changes + _field_changes(workspace, old, new) + _note_changes(old, new) \
        + _file_changes(old, new)


def _field_changes(workspace: Workspace, old: Client, new: Client) -> list[Change]:
    keys = [*workspace.fieldset.names()]
    keys += [key for key in [*old.data, *new.data] if key not in keys and key not in LIST_KEYS]
    changes = []
    for key in dict.fromkeys(keys):
        before, after = old.get(key), new.get(key)
        if before != after:
            changes.append(Change("field", key, before, after))
    return changes


def _note_key(note: Any) -> tuple[str, ...]:
    if not isinstance(note, dict):
        return (str(note),)
    return tuple(str(note.get(key, "")) for key in ("at", "by", "kind", "text"))


def _note_changes(old: Client, new: Client) -> list[Change]:
    remaining = [_note_key(note) for note in old.notes]
    added = []
    for note in new.notes:
        key = _note_key(note)
        if key in remaining:
            remaining.remove(key)
        else:
            added.append(Change("note_added", note=note if isinstance(note, dict) else
                                {"text": str(note)}))
    kept = [_note_key(note) for note in new.notes]
    removed = []
    for note in old.notes:
        key = _note_key(note)
        if key in kept:
            kept.remove(key)
        else:
            removed.append(Change("note_removed", note=note if isinstance(note, dict) else
                                  {"text": str(note)}))
    return added + removed


def _file_changes(old: Client, new: Client) -> list[Change]:
    return [*(Change("file_attached", text=name) for name in new.files if name not in old.files),
            *(Change("file_removed", text=name) for name in old.files if name not in new.files)]


# JSON records

def change_record(change: Change) -> dict[str, Any]:
    """Return a change as JSON-ready data (see the README for the keys)."""
    if change.kind == "field":
        return {"field": change.field, "from": fieldtypes.plain(change.old), "to": fieldtypes.plain(change.new)}
    if change.kind == "note_added":
        return {"note": fieldtypes.plain(change.note)}
    if change.kind == "note_removed":
        return {"note_removed": fieldtypes.plain(change.note)}
    if change.kind in ("file_attached", "file_removed"):
        return {change.kind: change.text}
    if change.kind == "unreadable":
        return {"unreadable": change.text}
    return {"event": change.kind}


def entry_record(entry: Entry) -> dict[str, Any]:
    """Return a log entry as JSON-ready data."""
    return {"commit": entry.commit, "date": entry.date.isoformat(), "author": entry.author,
            "email": entry.email, "subject": entry.subject, "client": entry.client,
            "name": entry.name, "changes": [change_record(change) for change in entry.changes]}
