"""Commands for one client or the client table: add, show, edit, list, search, status, note."""

from __future__ import annotations

from typing import List, Optional

import typer
from typing import Annotated

from pandai import actions, query, store
from pandai.cli import completion, output
from pandai.cli.common import (ask, confirm, echo, echo_paged, is_terminal, open_workspace,
                               use_color, warn)
from pandai.errors import DuplicateClient, InvalidInput
from pandai.i18n import _, ngettext


def report_outcome(outcome: actions.Outcome, done: str) -> None:
    """Print what a change did, or that nothing changed, and its warnings."""
    for message in outcome.warnings:
        warn(message)
    echo(done if outcome.changed else _("Nothing changed."))


def register(app: typer.Typer) -> None:
    """Add the client commands to ``app``, with help texts in the active language."""

    @app.command("add", help=_("Add a new client. Warns about likely duplicates and asks "
                              "before adding one."))
    def add(ctx: typer.Context,
            name: Annotated[str, typer.Argument(help=_("The client's full name."))],
            company: Annotated[Optional[str], typer.Option(help=_("Company name."))] = None,
            email: Annotated[Optional[str], typer.Option(help=_("E-mail address."))] = None,
            phone: Annotated[Optional[str], typer.Option(
                help=_("Phone number, in any common form; stored as +36…"))] = None,
            status: Annotated[Optional[str], typer.Option(
                help=_("Status; the first status of statuses.yaml by default."))] = None,
            owner: Annotated[Optional[str], typer.Option(
                help=_("Owner (a team member); you by default."))] = None,
            source: Annotated[Optional[str], typer.Option(help=_("Where the lead came from."))
                              ] = None,
            value: Annotated[Optional[str], typer.Option(
                help=_("Expected value, such as 1500000, '1 500 000 Ft' or 1,5M."))] = None,
            next_action: Annotated[Optional[str], typer.Option(
                "--next", help=_("Date of the next action: 2026-12-05, holnap, +7d…"))] = None,
            tag: Annotated[Optional[List[str]], typer.Option(
                help=_("A tag; repeat the option for several."))] = None,
            note: Annotated[Optional[str], typer.Option(help=_("A first note."))] = None,
            force: Annotated[bool, typer.Option(
                "--force", help=_("Add the client even when it looks like a duplicate."))
                             ] = False,
            yes: Annotated[bool, typer.Option("--yes", "-y", help=_(
                "Answer yes to questions (here: add a likely duplicate)."))] = False) -> None:
        workspace = open_workspace(ctx)
        values = {key: text for key, text in (
            ("company", company), ("email", email), ("phone", phone), ("status", status),
            ("owner", owner), ("source", source), ("value", value),
            ("next_action", next_action)) if text is not None}
        try:
            outcome = actions.add_client(workspace, name, values, tag, note, force=force)
        except DuplicateClient as error:
            if not is_terminal() and not yes:
                raise
            echo(error.message, err=True)
            if not confirm(_("Add {name} anyway?").format(name=name), yes):
                echo(_("Nothing was added."))
                return
            outcome = actions.add_client(workspace, name, values, tag, note, force=True)
        report_outcome(outcome, _("Added {id}.").format(id=outcome.client.id))

    @app.command("show", help=_("Show a client's profile: fields, notes (newest first), "
                               "files and status history."))
    def show(ctx: typer.Context,
             client: Annotated[str, typer.Argument(
                 help=_("Client id or a unique search term."), autocompletion=completion.client_ids)],
             output_format: Annotated[str, typer.Option(
                 "--format", "-f", help=_("Output format: text or json."))] = "text") -> None:
        workspace = open_workspace(ctx)
        output.check_format(output_format, ("text", "json"))
        found = store.find_client(workspace, client, include_archived=True)
        if output_format == "json":
            import json

            echo(json.dumps(output.client_record(found), ensure_ascii=False, indent=2))
        else:
            echo(output.render_profile(workspace, found, use_color(ctx)))

    @app.command("edit", help=_("Change fields with FIELD=VALUE; with no assignments, open the "
                               "file in $EDITOR and re-open it while it is invalid."))
    def edit(ctx: typer.Context,
             client: Annotated[str, typer.Argument(
                 help=_("Client id or a unique search term."), autocompletion=completion.client_ids)],
             assignments: Annotated[Optional[List[str]], typer.Argument(
                 help=_("FIELD=VALUE pairs, such as phone=06301234567 or owner=bela; an empty "
                        "value removes the field."), show_default=False,
                 autocompletion=completion.field_assignments)] = None) -> None:
        workspace = open_workspace(ctx)
        if assignments:
            outcome = actions.edit_client(workspace, client, assignments)
        else:
            from pandai.cli.editor import edit_in_editor

            outcome = edit_in_editor(workspace, client)
            if outcome is None:
                echo(_("Nothing changed."))
                return
        report_outcome(outcome, _("Saved {id}.").format(id=outcome.client.id))

    @app.command("list", help=_("List clients: the client table, with filters, saved views, "
                               "sorting and several output formats."))
    def list_clients(
            ctx: typer.Context,
            filters: Annotated[Optional[List[str]], completion.filter_argument()] = None,
            view: Annotated[Optional[str], typer.Option(
                "--view", "-v", help=_("Start from a saved view (see 'pandai view list')."),
                autocompletion=completion.view_names)
                            ] = None,
            search: Annotated[Optional[str], typer.Option(
                "--search", "-s", help=_("Only clients whose name, company or e-mail contains "
                                         "this text."))] = None,
            sort: Annotated[Optional[str], typer.Option(
                help=_("Sort by these comma-separated fields; -field sorts descending."))
                            ] = None,
            columns: Annotated[Optional[str], typer.Option(
                help=_("Comma-separated columns to show."))] = None,
            output_format: Annotated[str, typer.Option(
                "--format", "-f", help=_("Output format: table, csv, json, yaml or ids."))
                                     ] = "table",
            archived: Annotated[bool, typer.Option(
                "--archived", help=_("List archived clients instead of active ones."))
                                ] = False) -> None:
        workspace = open_workspace(ctx)
        output.check_format(output_format)
        saved = None
        if view:
            saved = workspace.views.get(view)
            if saved is None:
                raise InvalidInput(_("No view called {name!r}. Saved views: {views}.").format(
                    name=view, views=", ".join(workspace.views) or "-"))
        parsed = [query.parse_filter(workspace, text)
                  for text in [*(saved.filters if saved else []), *(filters or [])]]
        column_names = [part.strip() for part in columns.split(",") if part.strip()] \
            if columns else (saved.columns if saved and saved.columns else
                             ["id", *workspace.config.columns])
        shown_columns = output.resolve_columns(workspace, column_names)

        loaded = store.load_clients(workspace, archived=archived, filters=parsed)
        for problem in loaded.problems:
            warn(problem.message)
        clients = loaded.clients
        if search:
            clients = query.search(clients, search)
        clients = query.sort_clients(workspace, clients, sort or (saved.sort if saved else "")
                                     or "name,id")

        if output_format == "table":
            parts = [saved.title] if saved and saved.title else []
            if clients:
                parts.append(output.render_table(workspace, clients, shown_columns,
                                                 use_color(ctx)))
            parts.append(ngettext("{count} client", "{count} clients", len(clients)).format(
                count=len(clients)))
            echo_paged(ctx, "\n".join(parts))
        elif clients or output_format in ("json", "yaml", "csv"):
            echo(output.render_data(workspace, clients, shown_columns, output_format))

    @app.command("search", help=_("Search names, companies and e-mails, ignoring case and "
                                 "accents (kovacs finds Kovács)."))
    def search_clients(
            ctx: typer.Context,
            text: Annotated[str, typer.Argument(help=_("The text to look for."))],
            output_format: Annotated[str, typer.Option(
                "--format", "-f", help=_("Output format: table, csv, json, yaml or ids."))
                                     ] = "table") -> None:
        workspace = open_workspace(ctx)
        output.check_format(output_format)
        clients = query.sort_clients(
            workspace, query.search(store.load_clients(workspace).clients, text), "name")
        columns = output.resolve_columns(workspace, ["id", *workspace.config.columns])
        if output_format != "table":
            echo(output.render_data(workspace, clients, columns, output_format))
            return
        parts = [output.render_table(workspace, clients, columns, use_color(ctx))] \
            if clients else []
        parts.append(ngettext("{count} client", "{count} clients", len(clients)).format(
            count=len(clients)))
        echo_paged(ctx, "\n".join(parts))

    @app.command("status", help=_("Move a client to another status; the step is recorded in "
                                 "status_history. A lost status needs a reason."))
    def status(ctx: typer.Context,
               client: Annotated[str, typer.Argument(
                   help=_("Client id or a unique search term."),
                   autocompletion=completion.client_ids)],
               new_status: Annotated[str, typer.Argument(
                   metavar="STATUS", help=_("The new status, as in statuses.yaml."),
                   autocompletion=completion.statuses)],
               reason: Annotated[Optional[str], typer.Option(
                   help=_("Why the status changes; required for a lost status."))] = None
               ) -> None:
        workspace = open_workspace(ctx)
        found = workspace.statuses.find(new_status)
        if found and found.stage == "lost" and not reason and is_terminal():
            reason = ask(_("Why was the client lost?"))
        outcome = actions.set_status(workspace, client, new_status, reason)
        report_outcome(outcome, _("{id}: status is now {status}.").format(
            id=outcome.client.id, status=outcome.client.get("status")))

    note_help = _("Add a note to a client; --call, --email or --meeting also set the last "
                  "contact to today. Mention a colleague with @name.")

    def note(ctx: typer.Context,
             client: Annotated[str, typer.Argument(
                 help=_("Client id or a unique search term."), autocompletion=completion.client_ids)],
             text: Annotated[str, typer.Argument(help=_("The note text."))],
             call: Annotated[bool, typer.Option("--call", help=_("The note records a call."))
                             ] = False,
             email: Annotated[bool, typer.Option(
                 "--email", help=_("The note records an e-mail."))] = False,
             meeting: Annotated[bool, typer.Option(
                 "--meeting", help=_("The note records a meeting."))] = False,
             next_action: Annotated[Optional[str], typer.Option(
                 "--next", help=_("Set the next action date: 2026-12-05, holnap, +7d…"))
                                    ] = None) -> None:
        kinds = [kind for kind, chosen in (("call", call), ("email", email),
                                           ("meeting", meeting)) if chosen]
        if len(kinds) > 1:
            raise InvalidInput(_("Choose one of --call, --email and --meeting."))
        workspace = open_workspace(ctx)
        outcome = actions.add_note(workspace, client, text, kinds[0] if kinds else "note",
                                   next_action)
        report_outcome(outcome, _("Note added to {id}.").format(id=outcome.client.id))

    app.command("note", help=note_help)(note)
    app.command("annotate", help=_("Same as note.") + " " + note_help)(note)
