"""Commands that hand data out or tidy it up: export, duplicates and merge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional, Tuple

import click
import typer
from typing import Annotated

from pandai import exporting, merging
from pandai import duplicates as duplicate_finder
from pandai.cli import completion, output
from pandai.cli.common import confirm, echo, open_workspace, warn
from pandai.errors import InvalidInput
from pandai.exporting import plain_text
from pandai.i18n import _, ngettext


def render_pairs(pairs: list[duplicate_finder.DuplicatePair]) -> str:
    """Return the duplicate pairs as a table: both ids and names, and the reasons."""
    from tabulate import tabulate

    rows = [[pair.first.id, pair.first.name, pair.second.id, pair.second.name,
             pair.reason_text()] for pair in pairs]
    headers = [_("Id"), _("Name"), _("Id"), _("Name"), _("Reason")]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def pairs_record(pairs: list[duplicate_finder.DuplicatePair]) -> list[dict]:
    """Return the duplicate pairs as JSON-ready data."""
    return [{"first": pair.first.id, "second": pair.second.id,
             "first_name": pair.first.name, "second_name": pair.second.name,
             "reasons": pair.reasons, "reason": pair.reason_text()} for pair in pairs]


def render_merge_plan(plan: merging.MergePlan) -> str:
    """Return what a merge will do, for the user to confirm."""
    lines = [_("Merge {removed} ({removed_name}) into {kept} ({kept_name}):").format(
        removed=plan.removed.id, removed_name=plan.removed.name, kept=plan.kept.id,
        kept_name=plan.kept.name)]
    for key, value in plan.filled:
        lines.append(_("  {field}: takes {value}").format(field=key, value=plain_text(value)))
    for key, value in plan.differing:
        lines.append(_("  {field}: keeps {kept}; {value} goes into a note").format(
            field=key, kept=plain_text(plan.kept.get(key)), value=plain_text(value)))
    lines.append(ngettext("  notes: {count} note added", "  notes: {count} notes added",
                          plan.added_notes).format(count=plan.added_notes))
    lines.append(ngettext("  status history: {count} entry added",
                          "  status history: {count} entries added",
                          plan.added_history).format(count=plan.added_history))
    for move in plan.moves:
        lines.append(_("  file {name} moves to files/{id}/{new_name}").format(
            name=move.source.name, id=plan.kept.id, new_name=move.name))
    lines.append(_("  {id} is removed; git keeps its history.").format(id=plan.removed.id))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add export, duplicates and merge to ``app``, with help texts in the active language."""

    @app.command("export", help=_("Export clients for Excel (csv, xlsx), other programs (json), "
                                 "phones (vcf) or calendars (ics)."))
    def export(
            ctx: typer.Context,
            filters: Annotated[Optional[List[str]], completion.filter_argument()] = None,
            output_format: Annotated[Optional[str], typer.Option(
                "--format", "-f", help=_("Export format: csv, xlsx, json, vcf (vCard) or ics "
                                         "(iCalendar). By default the output file's extension "
                                         "decides, else csv."))] = None,
            output_file: Annotated[Optional[Path], typer.Option(
                "--output", "-o", help=_("Write to this file instead of standard output; "
                                         "required for xlsx."))] = None,
            view: Annotated[Optional[str], typer.Option(
                "--view", "-v", help=_("Start from a saved view (see 'pandai view list')."),
                autocompletion=completion.view_names)] = None,
            archived: Annotated[bool, typer.Option(
                "--archived", help=_("Export archived clients instead of active ones."))
                                ] = False,
            excel: Annotated[bool, typer.Option(
                "--excel", help=_("CSV for Hungarian Excel: ';' delimiter, UTF-8 with BOM, "
                                  "CRLF line ends and translated headers."))] = False,
            force: Annotated[bool, typer.Option(
                "--force", help=_("Overwrite the output file when it exists."))] = False
    ) -> None:
        chosen = exporting.format_for(output_format, output_file)
        if output_file is None and chosen not in exporting.TEXT_FORMATS:
            raise InvalidInput(_("An XLSX file cannot go to standard output: give a file "
                                 "name with -o, such as -o clients.xlsx."))
        workspace = open_workspace(ctx)
        selection = exporting.select_clients(workspace, filters or [], view, archived)
        for problem in selection.problems:
            warn(problem.message)
        data = exporting.render_export(workspace, selection.clients, chosen, excel)

        if output_file is None:
            stream = click.get_binary_stream("stdout")
            stream.write(data)
            stream.flush()
            return
        exporting.write_output(output_file, data, force)
        count = len(selection.clients)
        if chosen == "ics":
            events = sum(1 for client in selection.clients if client.get("next_action"))
            echo(ngettext("Exported {count} next action to {path}.",
                          "Exported {count} next actions to {path}.", events).format(
                count=events, path=output_file))
        else:
            echo(ngettext("Exported {count} client to {path}.",
                          "Exported {count} clients to {path}.", count).format(
                count=count, path=output_file))

    @app.command("duplicates", help=_("List likely duplicate clients (same e-mail, same phone, "
                                     "or similar name and company), or mark a pair as not "
                                     "duplicates with --not."))
    def duplicates(
            ctx: typer.Context,
            not_pair: Annotated[Optional[Tuple[str, str]], typer.Option(
                "--not", metavar="ID ID", help=_("Mark these two clients as different, so they "
                                                 "are not listed again (stored in "
                                                 "duplicates.yaml)."))] = None,
            output_format: Annotated[str, typer.Option(
                "--format", "-f", help=_("Output format: table or json."))] = "table"
    ) -> None:
        output.check_format(output_format, ("table", "json"))
        workspace = open_workspace(ctx)
        if not_pair:
            first, second, added = duplicate_finder.mark_not_duplicate(workspace, *not_pair)
            if added:
                echo(_("Marked {first} and {second} as not duplicates.").format(
                    first=first.id, second=second.id))
            else:
                echo(_("{first} and {second} are already marked as not duplicates.").format(
                    first=first.id, second=second.id))
            return

        pairs, problems = duplicate_finder.workspace_duplicates(workspace)
        for problem in problems:
            warn(problem.message)
        if output_format == "json":
            echo(json.dumps(pairs_record(pairs), ensure_ascii=False, indent=2))
            return
        if not pairs:
            echo(_("No likely duplicates."))
            return
        echo(render_pairs(pairs))
        echo(ngettext("{count} likely duplicate pair. Merge a pair with 'pandai merge ID ID', "
                      "or mark it with 'pandai duplicates --not ID ID'.",
                      "{count} likely duplicate pairs. Merge a pair with 'pandai merge ID ID', "
                      "or mark it with 'pandai duplicates --not ID ID'.", len(pairs)).format(
            count=len(pairs)))

    @app.command("merge", help=_("Merge the second client into the first, keeping every note, "
                                "status change and file; the second client's file is removed."))
    def merge(ctx: typer.Context,
              kept: Annotated[str, typer.Argument(
                  metavar="ID", help=_("The client that stays: its values win."),
                  autocompletion=completion.client_ids)],
              removed: Annotated[str, typer.Argument(
                  metavar="ID2", help=_("The client merged into the first and then removed."),
                  autocompletion=completion.client_ids)],
              yes: Annotated[bool, typer.Option(
                  "--yes", "-y", help=_("Merge without asking."))] = False) -> None:
        workspace = open_workspace(ctx)
        plan = merging.plan_merge(workspace, kept, removed)
        echo(render_merge_plan(plan))
        if not confirm(_("Merge {removed} into {kept}?").format(
                removed=plan.removed.id, kept=plan.kept.id), yes):
            echo(_("Nothing changed."))
            return
        merging.apply_merge(workspace, plan)
        echo(_("Merged {removed} into {kept}.").format(removed=plan.removed.id,
                                                      kept=plan.kept.id))
