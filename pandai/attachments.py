"""Attachments: files copied under ``files/<id>/`` and listed in the client's ``files:`` key.

Names are checked and every target path is resolved, so that nothing can be written outside the
workspace's ``files/`` folder. Each attach is one ``store.Change`` with a single commit.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pandai import store
from pandai.client import Client
from pandai.errors import InvalidInput
from pandai.i18n import _
from pandai.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class Attachment:
    """A file named in a client's ``files`` list; ``size`` is None when the file is missing."""

    name: str
    path: Path
    size: int | None


def check_attachment_name(name: str) -> None:
    """Reject a file name that could point outside the client's folder or hide the file.

    A safe name is a plain file name: no '/' or '\\', no leading dot, no '..' anywhere, no
    control characters.
    """
    if not name or "/" in name or "\\" in name or name.startswith(".") or ".." in name \
            or any(ord(char) < 32 for char in name):
        raise InvalidInput(
            _("Invalid attachment name {name!r}: use a plain file name without '/', '\\', "
              "'..' or a leading dot, such as offer-2026-11.pdf.").format(name=name))


def attach_file(workspace: Workspace, term: str, source: Path, name: str | None = None
                ) -> tuple[Client, str, bool]:
    """Copy ``source`` into files/<id>/ and add it to the client's files list in one commit.

    The stored name is ``name``, else the source's file name. When that name is taken, ``-2``
    (or the next free number) goes before the extension. Return the client, the stored name and
    whether a commit was made.
    """
    if source.is_dir():
        raise InvalidInput(_("Cannot attach {path}: it is a folder. Attach the files in it one "
                             "by one.").format(path=source))
    if not source.is_file():
        raise InvalidInput(_("Cannot attach {path}: no such file. Check the path.").format(
            path=source))
    requested_name = name if name is not None else source.name
    check_attachment_name(requested_name)

    with store.Change(workspace) as change:
        client = store.find_client(workspace, term)
        folder = _attachment_folder(workspace, client)
        stored = _free_name(folder, requested_name, client.files)
        target = folder / stored
        _check_inside(workspace, target)
        change.message = f"attach {client.id} {stored}"
        _copy_atomic(source, target)
        try:
            client.set("files", [*client.files, stored])
            change.save(client)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        change.track(target)
    return client, stored, change.committed


def list_attachments(workspace: Workspace, term: str) -> tuple[Client, list[Attachment]]:
    """Return a client and the attachments its files list names, with their sizes."""
    client = store.find_client(workspace, term, include_archived=True)
    folder = _attachment_folder(workspace, client)
    attachments = []
    for name in client.files:
        path = folder / name
        try:
            check_attachment_name(name)
            _check_inside(workspace, path)
            size = path.stat().st_size if path.is_file() else None
        except InvalidInput:
            # A hand-edited files list may name a path that pandai must not touch.
            size = None
        attachments.append(Attachment(name, path, size))
    return client, attachments


def attachment_path(workspace: Workspace, term: str, name: str) -> Path:
    """Return the path of one attachment of a client; raise when it is unknown or missing."""
    client, attachments = list_attachments(workspace, term)
    found = next((item for item in attachments if item.name == name), None)
    if found is None:
        listed = ", ".join(item.name for item in attachments) or "-"
        raise InvalidInput(_("{id} has no attachment called {name!r}. Its files: {files}.")
                           .format(id=client.id, name=name, files=listed))
    if found.size is None:
        raise InvalidInput(_("The attachment {name!r} of {id} is missing from {path}.").format(
            name=name, id=client.id, path=found.path))
    return found.path


def _attachment_folder(workspace: Workspace, client: Client) -> Path:
    store.check_id(client.id)
    return workspace.files_dir / client.id


def _check_inside(workspace: Workspace, path: Path) -> None:
    # Resolving catches a files/ folder, client folder or file that is a symbolic link to
    # elsewhere, so nothing is written outside the workspace's own files/ folder.
    root = workspace.root.resolve() / workspace.files_dir.name
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise InvalidInput(_("Cannot write {path}: it resolves to {resolved}, which is outside "
                             "{root}. Replace the symbolic link with a folder.").format(
            path=path, resolved=resolved, root=root))


def _free_name(folder: Path, name: str, listed: list[str]) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    candidate = name
    number = 2
    while candidate in listed or (folder / candidate).exists():
        candidate = f"{stem}-{number}.{extension}" if extension else f"{stem}-{number}"
        number += 1
    return candidate


def _copy_atomic(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream, source.open("rb") as original:
            shutil.copyfileobj(original, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InvalidInput(_("Cannot copy {source} to {target}: {reason}.").format(
            source=source, target=target, reason=error.strerror or error)) from error
