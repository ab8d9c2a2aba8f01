"""The ``sync`` command and the hidden ``merge-file`` command that git runs as a merge driver."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from typing import Annotated

from pandai.cli.common import echo, open_workspace, warn
from pandai.i18n import _


def register(app: typer.Typer) -> None:
    """Add ``sync`` and ``merge-file`` to ``app``."""

    @app.command("sync", help=_("Commit hand edits, pull and merge the team's changes, and "
                               "push yours."))
    def sync(ctx: typer.Context,
             no_push: Annotated[bool, typer.Option(
                 "--no-push", help=_("Merge the remote's changes but do not push."))] = False,
             remote: Annotated[str, typer.Option(help=_("The git remote to sync with."))
                               ] = "origin") -> None:
        from pandai.sync import sync as run_sync

        workspace = open_workspace(ctx)
        report = run_sync(workspace, push=not no_push, remote=remote)
        if report.committed_hand_edits:
            echo(_("Committed hand edits."))
        echo(_("Merged the changes of {remote}.").format(remote=remote) if report.merged
             else _("No new changes from {remote}.").format(remote=remote))
        for client_id in report.split_clients:
            echo(_("Both sides added a different client under one id; theirs is now {id}.")
                 .format(id=client_id))
        for client_id, field in report.conflicts:
            warn(_("{id}: {field} was changed differently on both sides. Both values are under "
                   "merge_conflicts in the file: keep the right one and remove the entry.")
                 .format(id=client_id, field=field))
        if report.pushed:
            echo(_("Pushed to {remote}.").format(remote=remote))

    @app.command("merge-file", hidden=True,
                 help=_("Merge three versions of a client file (run by git as a merge "
                        "driver)."))
    def merge_file(base: Annotated[Path, typer.Argument(
                       exists=True, dir_okay=False, help=_("The common ancestor."))],
                   ours: Annotated[Path, typer.Argument(
                       exists=True, dir_okay=False,
                       help=_("Our version; the result is written here."))],
                   theirs: Annotated[Path, typer.Argument(
                       exists=True, dir_okay=False, help=_("Their version."))],
                   shown: Annotated[Optional[Path], typer.Argument(
                       help=_("The file's path in the workspace."))] = None) -> None:
        from pandai.fields import BUILTIN_FIELDS, FieldSet
        from pandai.gitmerge import merge_files
        from pandai.workspace import Workspace

        try:
            fieldset = Workspace.open(Path.cwd()).fieldset
        except Exception:  # noqa: BLE001 - git may run the driver outside a readable workspace.
            fieldset = FieldSet(list(BUILTIN_FIELDS))
        conflicts = merge_files(base, ours, theirs, shown or ours, fieldset)
        for entry in conflicts:
            print(_("{path}: {field} was changed differently on both sides; both values are "
                    "kept under merge_conflicts.").format(path=shown or ours,
                                                         field=entry.get("field")),
                  file=sys.stderr)
