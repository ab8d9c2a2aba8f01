"""Housekeeping commands: archive, unarchive, reassign, attach, files and undo."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import List, Optional

import typer
from typing import Annotated

from pandai import attachments, housekeeping
from pandai.cli import completion
from pandai.cli.common import confirm, echo, open_workspace
from pandai.i18n import _, ngettext

# Programs that open a file with the desktop's default application, tried in this order.
_OPENERS = ("xdg-open", "open")


def _client_lines(clients) -> str:
    return "\n".join(f"  {client.id}  {client.name}" for client in clients)


def register(app: typer.Typer) -> None:
    """Add the housekeeping commands to ``app``, with help texts in the active language."""

    @app.command("archive", help=_("Move clients to archive/, where lists hide them. With no "
                                  "filter: inactive or lost clients with no activity for six "
                                  "months."))
    def archive(ctx: typer.Context,
                filters: Annotated[Optional[List[str]], completion.filter_argument(
                    "stage=lost, last_contact<-6m")] = None,
                dry_run: Annotated[bool, typer.Option(
                    "--dry-run", help=_("Only list the clients that would be archived."))
                                   ] = False,
                yes: Annotated[bool, typer.Option(
                    "--yes", "-y", help=_("Archive without asking."))] = False) -> None:
        workspace = open_workspace(ctx)
        clients = housekeeping.archive_candidates(workspace, filters or [])
        if not clients:
            echo(_("No clients to archive."))
            return
        echo(_client_lines(clients))
        question = ngettext("Archive {count} client?", "Archive {count} clients?",
                            len(clients)).format(count=len(clients))
        if dry_run:
            echo(ngettext("{count} client would be archived (dry run).",
                          "{count} clients would be archived (dry run).",
                          len(clients)).format(count=len(clients)))
            return
        if not confirm(question, yes):
            echo(_("Nothing changed."))
            return
        housekeeping.archive_clients(workspace, clients)
        echo(ngettext("Archived {count} client.", "Archived {count} clients.",
                      len(clients)).format(count=len(clients)))

    @app.command("unarchive", help=_("Move an archived client back to the client list."))
    def unarchive(ctx: typer.Context,
                  client: Annotated[str, typer.Argument(
                      help=_("Client id or a unique search term."))]) -> None:
        workspace = open_workspace(ctx)
        found, _committed = housekeeping.unarchive_client(workspace, client)
        echo(_("Unarchived {id}.").format(id=found.id))

    @app.command("reassign", help=_("Hand the clients of one owner to another team member, or "
                                   "share them out among several in turn."))
    def reassign(ctx: typer.Context,
                 giver: Annotated[str, typer.Argument(
                     metavar="FROM", help=_("The current owner, such as anna."),
                     autocompletion=completion.team_members)],
                 receivers: Annotated[str, typer.Argument(
                     metavar="TO", help=_("The new owner, or several separated by commas "
                                          "(bela,cili), who share the clients in id order."))],
                 filters: Annotated[Optional[List[str]], completion.filter_argument(
                     "stage=lost, last_contact<-6m")] = None,
                 yes: Annotated[bool, typer.Option(
                     "--yes", "-y", help=_("Reassign without asking."))] = False) -> None:
        workspace = open_workspace(ctx)
        plan = housekeeping.plan_reassignment(workspace, giver, receivers, filters or [])
        count = len(plan.assignments)
        if not count:
            echo(_("{owner} owns no matching clients, so nothing changed.").format(
                owner=plan.giver))
            return
        echo("\n".join(f"  {client.id}  {client.name}  {plan.giver} -> {receiver}"
                       for client, receiver in plan.assignments))
        question = ngettext("Reassign {count} client of {owner}?",
                            "Reassign {count} clients of {owner}?", count).format(
            count=count, owner=plan.giver)
        if not confirm(question, yes):
            echo(_("Nothing changed."))
            return
        housekeeping.apply_reassignment(workspace, plan)
        echo(ngettext("Reassigned {count} client.", "Reassigned {count} clients.",
                      count).format(count=count))

    @app.command("attach", help=_("Copy a file into files/<id>/ and add it to the client's "
                                 "files."))
    def attach(ctx: typer.Context,
               client: Annotated[str, typer.Argument(
                   help=_("Client id or a unique search term."),
                   autocompletion=completion.client_ids)],
               file: Annotated[Path, typer.Argument(
                   metavar="FILE", help=_("The file to copy."))],
               name: Annotated[Optional[str], typer.Option(
                   help=_("Store the file under this name instead of its own; a plain file "
                          "name without '/' or a leading dot."))] = None) -> None:
        workspace = open_workspace(ctx)
        found, stored, _committed = attachments.attach_file(workspace, client, file, name)
        echo(_("Attached {name} to {id}.").format(name=stored, id=found.id))

    @app.command("files", help=_("List a client's attachments with their sizes, or open one."))
    def files(ctx: typer.Context,
              client: Annotated[str, typer.Argument(
                  help=_("Client id or a unique search term."),
                  autocompletion=completion.client_ids)],
              open_name: Annotated[Optional[str], typer.Option(
                  "--open", help=_("Open this attachment with the desktop's default "
                                   "application, or print its path where there is none."))
                                   ] = None) -> None:
        workspace = open_workspace(ctx)
        if open_name is not None:
            _open_file(attachments.attachment_path(workspace, client, open_name))
            return
        found, listed = attachments.list_attachments(workspace, client)
        if not listed:
            echo(_("{id} has no attachments.").format(id=found.id))
            return
        for item in listed:
            size = _("missing") if item.size is None else _("{size} bytes").format(
                size=item.size)
            echo(f"{item.name}  {size}")

    @app.command("undo", help=_("Revert the last pandai change with a new git commit, so the "
                               "undo is in the history too."))
    def undo(ctx: typer.Context,
             yes: Annotated[bool, typer.Option(
                 "--yes", "-y", help=_("Undo without asking."))] = False) -> None:
        workspace = open_workspace(ctx)
        subject = housekeeping.last_pandai_commit(workspace)
        if not confirm(_("Undo {subject!r}?").format(subject=subject), yes):
            echo(_("Nothing changed."))
            return
        reverted = housekeeping.undo_last_change(workspace)
        echo(_("Reverted {subject!r}.").format(subject=reverted))


def _open_file(path: Path) -> None:
    opener = next((program for program in _OPENERS if shutil.which(program)), None)
    if opener is None:
        echo(str(path))
        return
    # The opener starts the application and returns; its own output is not pandai's business.
    try:
        subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        echo(str(path))
