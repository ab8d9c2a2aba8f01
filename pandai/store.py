"""Loading and saving client files, the workspace lock, and one commit per change.

Every read of the client list goes through :func:`load_clients`, which reads through the
per-machine cache (:mod:`pandai.cache`). Every change goes through :class:`Change`: it takes the
workspace lock, stages its writes, applies them through the journal (:mod:`pandai.journal`), and
on success commits exactly the paths it touched.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Callable, Sequence

from pandai import cache, gitops, journal, query, yamlio
from pandai.client import Client, from_file_data, make_id, to_file_data
from pandai.errors import (AmbiguousClient, ClientNotFound, FileError, InvalidInput,
                           PandaiError, WorkspaceLocked)
from pandai.i18n import _
from pandai.parsing import fold
from pandai.workspace import Workspace

if TYPE_CHECKING:
    from pandai.query import Filter

log = logging.getLogger(__name__)
DEFAULT_LOCK_TIMEOUT_SECONDS = 30.0  # PANDAI_LOCK_TIMEOUT sets another
# Called with a message when a change has to wait for another process's lock. The command line
# sets it to print the message, because the core prints nothing itself.
on_lock_wait: Callable[[str], None] | None = None
# From this many staged files on, a change sends their contents to git fast-import while it
# stages them, so that git compresses them while the change goes on. Commits of about as many
# paths pack their contents anyway (gitops._commit_many).
PACK_MIN_FILES = 1000


@dataclass
class ClientList:
    """The clients that could be read, and the files that could not."""

    clients: list[Client] = field(default_factory=list)
    problems: list[FileError] = field(default_factory=list)


def _client_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir()
                  if path.suffix == ".yaml" and not path.name.startswith("."))


def read_client(workspace: Workspace, path: Path, archived: bool = False) -> Client:
    """Read one client file; raise FileError (with path and line) when it cannot be used."""
    client = from_file_data(path.stem, yamlio.read(path), workspace.fieldset, path)
    client.archived = archived
    return client


def load_clients(workspace: Workspace, archived: bool = False,
                 filters: Sequence[Filter] = ()) -> ClientList:
    """Read every client of the workspace (or of its archive); unreadable files are collected.

    The per-machine cache (pandai.cache) returns what reading every file would, faster. With
    ``filters``, only the clients that satisfy all of them are returned, and the cache tests
    the filters before it builds the clients.
    """
    folder = workspace.archive_dir if archived else workspace.clients_dir
    select = partial(query.select, list(filters)) if filters else None
    clients, problems = cache.load_folder(workspace, folder, archived, select)
    for error in problems:
        log.warning("skipping %s: %s", error.path, error.message)
    return ClientList(clients, problems)


def client_ids(workspace: Workspace) -> set[str]:
    """Return every id in use or once used, so a new id never takes an old client's history.

    Ids of active and archived clients come from the folders; those of clients deleted or
    merged away come from git, when the workspace has it.
    """
    ids = {path.stem for folder in (workspace.clients_dir, workspace.archive_dir)
           for path in _client_files(folder)}
    if workspace.has_git:
        result = gitops.run(workspace.root, "log", "--diff-filter=D", "--name-only",
                            "--format=", "--", "clients", "archive", check=False)
        ids.update(Path(line).stem for line in result.stdout.splitlines()
                   if line.endswith(".yaml"))
    return ids


def new_client_id(workspace: Workspace, name: str) -> str:
    """Return a unique id for a new client called ``name``."""
    return make_id(name, client_ids(workspace))


def check_id(client_id: str) -> None:
    """Reject ids that are not plain slugs, so no id can name a path outside clients/."""
    if not client_id or not all(char.isalnum() or char in "-_." for char in client_id) \
            or client_id.startswith("."):
        raise InvalidInput(_("Invalid id {id!r}: use letters, digits and '-'.").format(
            id=client_id))


def find_client(workspace: Workspace, term: str, include_archived: bool = False) -> Client:
    """Return the client ``term`` names: an exact id, else the one client it matches.

    A term matches the id, name, company, e-mail or phone, case- and accent-insensitively.
    Raise ClientNotFound when nothing matches and AmbiguousClient when several do.
    """
    term = term.strip()
    folders = [(workspace.clients_dir, False)]
    if include_archived:
        folders.append((workspace.archive_dir, True))
    for folder, archived in folders:
        path = folder / f"{term}.yaml"
        if term and "/" not in term and not term.startswith(".") and path.is_file():
            return read_client(workspace, path, archived)

    candidates = []
    for client in load_clients(workspace).clients + (
            load_clients(workspace, archived=True).clients if include_archived else []):
        if matches_search(client, term):
            candidates.append(client)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ClientNotFound(
            _("No client matches {term!r}. List clients with 'pandai list' or "
              "'pandai search TEXT'.").format(term=term))
    ids = [client.id for client in candidates]
    shown = "\n".join(f"  {client.id}  {client.name}" for client in candidates[:20])
    raise AmbiguousClient(
        _("{term!r} matches {count} clients; give one of these ids:\n{candidates}").format(
            term=term, count=len(candidates), candidates=shown), ids)


def matches_search(client: Client, text: str) -> bool:
    """Return True when ``text`` occurs in the client's id, name, company, e-mail or phone."""
    needle = fold(text.strip())
    if not needle:
        return False
    haystack = " ".join(str(client.get(key, "")) for key in ("name", "company", "email"))
    if needle in fold(client.id) or needle in fold(haystack):
        return True
    digits = "".join(char for char in needle if char.isdigit())
    phone = str(client.get("phone", ""))
    return len(digits) >= 6 and len(digits) == len(needle.replace(" ", "").replace("-", "")) \
        and digits in phone


def client_path(workspace: Workspace, client: Client) -> Path:
    """Return the file a client is stored in."""
    check_id(client.id)
    folder = workspace.archive_dir if client.archived else workspace.clients_dir
    return folder / f"{client.id}.yaml"


def render_client(workspace: Workspace, client: Client) -> str:
    """Return the YAML text pandai writes for a client."""
    return yamlio.dump(to_file_data(client, workspace.fieldset))


def lock_timeout() -> float:
    """Return how many seconds a change waits for the workspace lock (PANDAI_LOCK_TIMEOUT)."""
    text = os.environ.get("PANDAI_LOCK_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise InvalidInput(_("PANDAI_LOCK_TIMEOUT must be a number of seconds, 0 or more, not "
                             "{value!r}. Change or unset it; nothing was changed.").format(
            value=text))
    return seconds


class Change:
    """One mutating command: the lock, staged writes, and a single commit of what changed.

    Use as ``with Change(workspace, "note kiss-peter") as change: change.save(client)``. Read
    what you change inside the block, under the lock, so that concurrent pandai processes never
    overwrite each other's work. Saved files and moves are staged and applied together through
    the journal when the block ends without an error, then committed; an error discards them.
    """

    def __init__(self, workspace: Workspace, message: str = ""):
        self.workspace = workspace
        self.message = message
        self.paths: list[Path] = []
        self._tracked: set[Path] = set()  # the same paths, for a fast lookup on large imports
        self.committed = False
        self._operations: list[list[str]] = []
        self._lock = None
        # The contents staged before PACK_MIN_FILES files start the pack, and None after.
        self._unpacked: list[bytes] | None = []
        self._pack: gitops.BlobPack | None = None

    def __enter__(self) -> Change:
        from filelock import FileLock, Timeout

        lock_path = self.workspace.state_dir / "lock"
        timeout = lock_timeout()
        try:
            self.workspace.state_dir.mkdir(exist_ok=True)
            self._lock = FileLock(str(lock_path))
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                if on_lock_wait is not None:
                    on_lock_wait(_("Another pandai process is changing this workspace; waiting "
                                   "up to {seconds:g} s for it to finish.").format(
                        seconds=timeout))
                self._lock.acquire(timeout=timeout)
        except Timeout:
            raise WorkspaceLocked(
                _("The workspace is locked by another pandai process (waited {seconds:g} s). "
                  "Try again when it has finished; if no pandai runs, delete {path}.").format(
                    seconds=timeout, path=lock_path))
        except OSError as error:
            raise PandaiError(
                _("Cannot create the lock file {path}: {reason}. Make the .pandai folder "
                  "writable, then run the command again; nothing was changed.").format(
                    path=lock_path, reason=error.strerror or error)) from error
        try:
            completed = recover_locked(self.workspace)
            if completed is not None:
                self.workspace.warnings.append(
                    _("An earlier pandai command was interrupted while it saved the change "
                      "{change!r}; the change is now complete and committed.").format(
                        change=completed))
            journal.begin_staging(self.workspace.root)
        except BaseException:
            self._lock.release()
            raise
        return self

    def stage(self, path: Path, content: str | bytes) -> None:
        """Write ``content`` to a temporary file now; it replaces ``path`` at the end."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.stage_file(path, yamlio.write_temporary(path, data))
        self._pack_contents(data)

    def _pack_contents(self, data: bytes) -> None:
        if self._pack is not None:
            self._pack.add(data)
            return
        if self._unpacked is None:
            return
        self._unpacked.append(data)
        if len(self._unpacked) < PACK_MIN_FILES:
            return
        if self.workspace.config.auto_commit and self.workspace.has_git:
            self._pack = gitops.BlobPack(self.workspace.root)
            for contents in self._unpacked:
                self._pack.add(contents)
        self._unpacked = None

    def _close_pack(self) -> bool:
        """Wait for the pack of staged contents; return True when it stored them all."""
        pack, self._pack = self._pack, None
        return pack.close() if pack is not None else False

    def stage_file(self, path: Path, temporary: Path) -> None:
        """Rename ``temporary``, a file beside ``path``, over ``path`` at the end.

        Every staged file is flushed to disk before the journal is written.
        """
        self._operations.append(["write", self._relative(temporary), self._relative(path)])
        self.track(path)

    def save(self, client: Client) -> Path:
        """Stage a client file for writing and remember it for the commit."""
        path = client_path(self.workspace, client)
        self.stage(path, render_client(self.workspace, client))
        client.path = path
        return path

    def move(self, source: Path, target: Path) -> None:
        """Move a file (such as a client into archive/) when the change is applied."""
        self._operations.append(["move", self._relative(source), self._relative(target)])
        self.track(source)
        self.track(target)

    def remove(self, path: Path) -> None:
        """Delete a file (such as a client merged into another) when the change is applied."""
        self._operations.append(["remove", self._relative(path), self._relative(path)])
        self.track(path)

    def track(self, path: Path) -> None:
        """Remember a path (created, changed or deleted) for the commit."""
        if path not in self._tracked:
            self._tracked.add(path)
            self.paths.append(path)

    def _relative(self, path: Path) -> str:
        return gitops.relative_name(self.workspace.root, path)

    def _staged(self) -> list[Path]:
        # Built when needed: keeping a Path for each of 100 000 staged files took 50 MB more.
        return [self.workspace.root / source for operation, source, _target in self._operations
                if operation == "write"]

    def _discard_staged(self) -> None:
        for path in self._staged():
            path.unlink(missing_ok=True)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        root = self.workspace.root
        try:
            if kind is not None:
                self._discard_staged()
                self._close_pack()
                # The marker stays: code that failed may have left a temporary file untracked.
                return
            if self._operations:
                # The journal may name only files that are on disk, so that a crash after it
                # is written can always be rolled forward.
                try:
                    yamlio.sync_files(self._staged())
                except BaseException:
                    self._discard_staged()
                    self._close_pack()
                    raise
                journal.write_journal(root, self.message, self._operations, self.paths)
                journal.run_operations(root, self._operations)
                packed = self._close_pack()
                self.committed = commit_paths(self.workspace, self.paths, self.message, packed)
                journal.clear_journal(root)
            else:
                self.committed = commit_paths(self.workspace, self.paths, self.message)
            journal.end_staging(root)
        finally:
            # A step that failed after the files were synced may have left the pack running.
            self._close_pack()
            if self._lock is not None:
                self._lock.release()


def recover_locked(workspace: Workspace) -> str | None:
    """Roll an interrupted change forward; the caller holds the lock. Return its message."""
    root = workspace.root
    document = journal.read_journal(root)
    if document is None:
        if journal.orphans_possible(root):
            journal.remove_orphans(root)
        return None
    log.warning("completing the interrupted change %r", document.get("message"))
    journal.run_operations(root, document["operations"])
    journal.remove_orphans(root)
    paths = [root / path for path in document.get("paths", [])]
    commit_paths(workspace, paths, str(document.get("message", "recover")))
    journal.clear_journal(root)
    return str(document.get("message", ""))


def recover(workspace: Workspace) -> str | None:
    """Take the lock and roll an interrupted change forward, when there is one."""
    if not journal.pending(workspace.root):
        return None
    with Change(workspace, "recover"):
        pass
    return None


def commit_paths(workspace: Workspace, paths: list[Path], message: str,
                 packed: bool = False) -> bool:
    """Commit ``paths`` when the workspace wants commits; warn once when git is missing.

    ``packed`` means that the contents were sent to git already (see gitops.BlobPack).
    """
    if not paths:
        return False
    if not workspace.config.auto_commit:
        workspace.warnings.append(
            _("auto_commit is off in {path}, so the change was saved but not committed.")
            .format(path=workspace.config_path))
        return False
    if not workspace.has_git:
        workspace.warnings.append(
            _("This workspace is not a git repository, so the change has no history. Run "
              "'git init' in {path} to turn history on.").format(path=workspace.root))
        return False
    member = workspace.member(workspace.current_user)
    author = (member.name or member.id, member.email or f"{member.id}@pandai.invalid") \
        if member else ("pandai", "pandai@pandai.invalid")
    return gitops.commit(workspace.root, paths, gitops.COMMIT_PREFIX + message, author, packed)
