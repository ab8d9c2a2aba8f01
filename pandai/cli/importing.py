"""The ``import`` command: preview, confirmation, then all rows in one commit."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from typing_extensions import Annotated

from pandai.cli.common import confirm, echo, open_workspace
from pandai.i18n import _


def render_preview(workspace, plan) -> str:
    """Return the preview: the column mapping, the counts and the rows of each group."""
    table = plan.table
    lines = [_("Import of {file}: {format}, header in row {row}.").format(
        file=plan.path.name, format=table.format, row=table.header_row), _("Columns:")]
    for header, target in zip(table.headers, plan.mapping):
        if target is None:
            continue
        item = workspace.fieldset.lookup(target)
        label = item.title() if item else target
        lines.append(f"  {header} → {target} ({label})")
    if plan.unmapped:
        lines.append(_("Columns not imported: {columns}").format(
            columns=", ".join(plan.unmapped)))
    lines.append("")
    lines.append(_("New clients: {count}").format(count=len(plan.created)))
    lines.append(_("Updated clients: {count}").format(count=len(plan.updated)))
    groups = ((_("Skipped as duplicates: {count}"), plan.duplicates),
              (_("Skipped as incomplete: {count}"), plan.incomplete),
              (_("Invalid rows: {count}"), plan.invalid),
              (_("Repaired values: {count}"), plan.remarks))
    for title, issues in groups:
        if not issues:
            continue
        lines.append(title.format(count=len(issues)))
        lines += [_("  row {row}: {message}").format(row=issue.row, message=issue.message)
                  for issue in issues]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add the ``import`` command to ``app``."""

    @app.command("import", help=_("Import clients from CSV, TXT or XLSX: shows a preview, then "
                                 "writes all rows or none, in one commit."))
    def import_file(
            ctx: typer.Context,
            file: Annotated[Path, typer.Argument(help=_("The file to import."))],
            map_option: Annotated[Optional[str], typer.Option(
                "--map", help=_("Column mapping overrides, such as \"Cégnév=company,"
                                "Régi=\" (an empty field ignores the column)."))] = None,
            on_duplicate: Annotated[str, typer.Option(
                help=_("What to do with rows that match an existing client: skip, or update "
                       "to fill its empty fields."))] = "skip",
            encoding: Annotated[Optional[str], typer.Option(
                help=_("Text encoding of a CSV file, when the detected one is wrong."))] = None,
            delimiter: Annotated[Optional[str], typer.Option(
                help=_("Field delimiter of a CSV file, when the detected one is wrong."))
                                 ] = None,
            sheet: Annotated[Optional[str], typer.Option(
                help=_("Sheet of an XLSX file; the first one by default."))] = None,
            dry_run: Annotated[bool, typer.Option(
                "--dry-run", help=_("Show the preview and stop without writing."))] = False,
            yes: Annotated[bool, typer.Option(
                "--yes", "-y", help=_("Import without asking after the preview."))] = False
    ) -> None:
        from pandai.importing.plan import apply_plan, plan_import

        workspace = open_workspace(ctx)
        plan = plan_import(workspace, file, map_option, on_duplicate, encoding, delimiter, sheet)
        echo(render_preview(workspace, plan))
        if dry_run:
            echo(_("Dry run: nothing was written."))
            return
        if plan.invalid:
            apply_plan(workspace, plan)
        if not plan.created and not plan.updated:
            echo(_("Nothing to import."))
            return
        if not confirm(_("Import {created} new and {updated} updated clients?").format(
                created=len(plan.created), updated=len(plan.updated)), yes):
            echo(_("Nothing was imported."))
            return
        apply_plan(workspace, plan)
        echo(_("Imported {created} new and {updated} updated clients.").format(
            created=len(plan.created), updated=len(plan.updated)))
