"""Workspace set-up commands: ``init`` and ``team``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from typing import Annotated

from pandai import store
from pandai.cli import output
from pandai.cli.common import echo, open_workspace
from pandai.cli.lazy import SubcommandGroup
from pandai.config import Member, save_team
from pandai.errors import InvalidInput
from pandai.i18n import _
from pandai.presets import demo_folder, init_workspace
from pandai.workspace import today_from_environment


def register(app: typer.Typer) -> None:
    """Add ``init`` and the ``team`` group to ``app``."""

    @app.command("init", help=_("Create a workspace: settings, statuses, views, a git "
                               "repository and its first commit."))
    def init(directory: Annotated[Path, typer.Argument(
                 help=_("Folder of the new workspace; the current folder by default."))
             ] = Path("."),
             preset: Annotated[str, typer.Option(
                 help=_("Status list: b2b (sales to companies) or service (service "
                        "business)."))] = "b2b",
             lang: Annotated[Optional[str], typer.Option(
                 help=_("Language of the workspace: hu or en; hu by default."))] = None,
             demo: Annotated[bool, typer.Option(
                 "--demo", help=_("Copy the demo clients, with dates moved relative to "
                                  "today."))] = False) -> None:
        source = None
        if demo:
            source = demo_folder()
            if source is None:
                raise InvalidInput(_("The demo workspace is not available: it ships with the "
                                     "source repository. Install pandai from a clone of the "
                                     "repository to use --demo."))
        language = lang or "hu"
        committed = init_workspace(directory.resolve(), preset, language, source,
                                   today=today_from_environment())
        echo(_("Created a Pandai workspace in {path}.").format(path=directory.resolve()))
        if not committed:
            echo(_("git is not available, so the workspace has no history."), err=True)
        if demo:
            echo(_("Next: cd {path}, then try pandai list --view today.").format(
                path=directory))
        else:
            echo(_("Next: pandai team add ID --name NAME --email EMAIL, then pandai add NAME."))

    team = typer.Typer(help=_("The people who own clients."), no_args_is_help=True,
                       cls=SubcommandGroup)
    app.add_typer(team, name="team")

    @team.command("list", help=_("List the team members."))
    def list_team(ctx: typer.Context,
                  output_format: Annotated[str, typer.Option(
                      "--format", "-f", help=_("Output format: table or json."))] = "table"
                  ) -> None:
        workspace = open_workspace(ctx)
        output.check_format(output_format, ("table", "json"))
        members = workspace.team.members
        if output_format == "json":
            echo(json.dumps([member.to_file() for member in members], ensure_ascii=False,
                            indent=2))
            return
        from tabulate import tabulate

        rows = [(member.id, member.name, member.email, ", ".join(member.aliases))
                for member in members]
        echo(tabulate(rows, headers=[_("Id"), _("Name"), _("E-mail"), _("Aliases")],
                      tablefmt="simple"))

    @team.command("add", help=_("Add a team member who can own clients."))
    def add_member(ctx: typer.Context,
                   member_id: Annotated[str, typer.Argument(
                       metavar="ID", help=_("Short id stored in client files, such as anna."))],
                   name: Annotated[Optional[str], typer.Option(help=_("Full name."))] = None,
                   email: Annotated[Optional[str], typer.Option(help=_("E-mail address."))
                                    ] = None) -> None:
        workspace = open_workspace(ctx)
        store.check_id(member_id)
        if workspace.team.get(member_id):
            raise InvalidInput(_("{id} is already a team member.").format(id=member_id))
        address = ""
        if email:
            from pandai.fields import from_input

            address = from_input(workspace.fieldset.get("email"), email, workspace) or ""
        workspace.team.members.append(Member(member_id, name or "", address))
        with store.Change(workspace, f"team add {member_id}") as change:
            save_team(workspace.config_path, workspace.config)
            change.track(workspace.config_path)
        echo(_("Added team member {id}.").format(id=member_id))
