"""The ``import`` command: mapping, preview, confirmation, then all rows in one commit.

On a terminal (without ``--yes`` and ``--dry-run``) the column mapping is shown with the first
three rows, and the user may remap columns before the preview. ``--yes`` plans and stages the
import in one pass under the workspace lock. Otherwise the preview is computed first, and the
import is planned again under the lock once the user confirms.
"""

from __future__ import annotations

import sys
from itertools import islice
from pathlib import Path
from typing import Optional

import click
import typer
from typing import Annotated

from pandai.cli import common
from pandai.cli.common import ask, confirm, echo, open_workspace
from pandai.errors import ImportFileError
from pandai.i18n import _, ngettext

SAMPLE_ROWS = 3  # rows shown beside the mapping at the interactive prompt
PREVIEW_ROWS = 20  # rows the preview lists in each group, without --all-rows
_SAMPLE_WIDTH = 24  # characters of a sample value


def _column_label(workspace, target: str | None) -> str:
    if target is None:
        return _("not imported")
    item = workspace.fieldset.lookup(target)
    return "{target} ({label})".format(target=target, label=item.title()) if item else target


def render_preview(workspace, plan, every_row: bool = False) -> str:
    """Return the preview: the column mapping, the counts and the rows of each group.

    Each group lists its first PREVIEW_ROWS rows, or every row with ``every_row``.
    """
    limit = None if every_row else PREVIEW_ROWS
    table = plan.table
    if table.keyed:
        lines = [_("Import of {file}: {format}.").format(file=plan.path.name,
                                                         format=table.format)]
    else:
        lines = [_("Import of {file}: {format}, header in row {row}.").format(
            file=plan.path.name, format=table.format, row=table.header_row)]

    lines.append(_("Columns:"))
    for header, target in zip(table.headers, plan.mapping):
        if target is not None:
            lines.append(f"  {header} → {_column_label(workspace, target)}")
    if plan.unmapped:
        lines.append(_("Columns not imported: {columns}").format(
            columns=", ".join(plan.unmapped)))
    if plan.named_by_contact:
        lines.append(_("No column holds the name, so each client is named after its e-mail "
                       "address or phone number."))

    lines.append("")
    lines.append(_("New clients: {count}").format(count=plan.created))
    lines.append(_("Updated clients: {count}").format(count=len(plan.targets)))
    lines += _issue_lines(plan.updated, limit)
    groups = ((_("Skipped as duplicates: {count}"), plan.duplicates),
              (_("Skipped as incomplete: {count}"), plan.incomplete),
              (_("Invalid rows: {count}"), plan.invalid),
              (_("Repaired values: {count}"), plan.repairs),
              (_("Remarks: {count}"), plan.remarks))
    for title, issues in groups:
        if issues:
            lines.append(title.format(count=len(issues)))
            lines += _issue_lines(issues, limit)

    for title, values in ((_("Unknown statuses: {count}"), plan.unknown_statuses),
                          (_("Unknown owners: {count}"), plan.unknown_owners)):
        if values:
            lines.append(title.format(count=len(values)))
            for value, rows in values.items():
                numbers = ", ".join(str(row) for row in rows[:limit])
                text = _("  \"{value}\": row {rows}") if len(rows) == 1 else \
                    _("  \"{value}\": rows {rows}")
                lines.append(text.format(value=value, rows=numbers))
                hidden = len(rows) - len(rows[:limit])
                if hidden:
                    lines.append(_more_rows(hidden))
    return "\n".join(lines)


def _issue_lines(issues, limit: int | None) -> list[str]:
    lines = [_("  row {row}: {message}").format(row=issue.row, message=issue.message)
             for issue in issues[:limit]]
    hidden = len(issues) - len(lines)
    if hidden:
        lines.append(_more_rows(hidden))
    return lines


def _more_rows(count: int) -> str:
    return ngettext("  … and {count} more row (--all-rows lists every row)",
                    "  … and {count} more rows (--all-rows lists every row)",
                    count).format(count=count)


def render_mapping(workspace, table, mapping, rows) -> str:
    """Return every column with its target and its values in the first rows."""
    from pandai.importing.cells import cell_text

    lines = [_("Columns and the first {count} rows:").format(count=len(rows))]
    for index, (header, target) in enumerate(zip(table.headers, mapping)):
        samples = []
        for row in rows:
            value = row.values[index]
            text = _("(photo)") if hasattr(value, "extension") else cell_text(value)
            text = " ".join(text.split())
            samples.append(text if len(text) <= _SAMPLE_WIDTH else text[:_SAMPLE_WIDTH - 1] + "…")
        lines.append("  {header} → {target}: {samples}".format(
            header=header, target=_column_label(workspace, target), samples=" | ".join(samples)))
    return "\n".join(lines)


def ask_mapping(workspace, path: Path, options) -> None:
    """Show the mapping with the first rows and let the user remap columns until Enter."""
    from pandai.importing.headers import parse_map_option
    from pandai.importing.plan import open_table

    while True:
        table, mapping, _saved = open_table(workspace, path, options)
        rows = list(islice(table.rows, SAMPLE_ROWS))
        echo(render_mapping(workspace, table, mapping, rows), err=True)
        answer = ask(_("column=field, or Enter to accept")).strip()
        if not answer:
            return
        try:
            options.remap.update(parse_map_option(answer, table.headers, path=path))
        except ImportFileError as error:
            echo(error.message, err=True)


def _progress():
    """Return a callback that counts read rows on a terminal's stderr, or None."""
    if not sys.stderr.isatty():
        return None

    def show(count: int) -> None:
        click.echo("\r" + _("Rows read: {count}").format(count=count), err=True, nl=False)

    return show


def register(app: typer.Typer) -> None:
    """Add the ``import`` command to ``app``."""

    @app.command("import", help=_(
        "Import clients from CSV, TXT, XLSX, vCard (.vcf) or JSON: shows a preview, then writes "
        "all rows or none, in one commit."))
    def import_file(
            ctx: typer.Context,
            file: Annotated[Path, typer.Argument(help=_("The file to import."))],
            map_option: Annotated[Optional[str], typer.Option(
                "--map", help=_("Column mapping overrides, such as \"Cégnév=company,"
                                "Régi=\" (an empty field ignores the column)."))] = None,
            mapping: Annotated[Optional[str], typer.Option(
                help=_("Use the column mapping saved under this name in imports.yaml."))
                               ] = None,
            save_mapping: Annotated[Optional[str], typer.Option(
                help=_("Save this import's column mapping and value maps under this name in "
                       "imports.yaml, committed with the import."))] = None,
            status_map: Annotated[Optional[str], typer.Option(
                help=_("Statuses of the file mapped to the workspace's, such as "
                       "\"Lead=Új lead,Won=Ügyfél (megnyert)\"."))] = None,
            owner_map: Annotated[Optional[str], typer.Option(
                help=_("Owners of the file mapped to team members, such as \"Zoli=bela\"."))
                                 ] = None,
            on_duplicate: Annotated[str, typer.Option(
                help=_("What to do with rows that match an existing client: skip; update to "
                       "fill its empty fields; or merge to also add the row's notes, status "
                       "history, e-mails and phones."))] = "skip",
            overwrite: Annotated[bool, typer.Option(
                "--overwrite", help=_("With --on-duplicate update or merge, also replace "
                                      "fields that have another value."))] = False,
            keep_incomplete: Annotated[bool, typer.Option(
                "--keep-incomplete", help=_("Import rows without e-mail and phone too, instead "
                                            "of skipping them."))] = False,
            encoding: Annotated[Optional[str], typer.Option(
                help=_("Text encoding of a CSV file, when the detected one is wrong."))] = None,
            delimiter: Annotated[Optional[str], typer.Option(
                help=_("Field delimiter of a CSV file, when the detected one is wrong."))
                                 ] = None,
            sheet: Annotated[Optional[str], typer.Option(
                help=_("Sheet of an XLSX file; the first one by default."))] = None,
            dry_run: Annotated[bool, typer.Option(
                "--dry-run", help=_("Show the preview and stop without writing."))] = False,
            all_rows: Annotated[bool, typer.Option(
                "--all-rows", help=_("List every row of each group in the preview, not only "
                                     "the first {count}.").format(count=PREVIEW_ROWS))
                                ] = False,
            yes: Annotated[bool, typer.Option(
                "--yes", "-y", help=_("Import without asking after the preview."))] = False
    ) -> None:
        from pandai.importing.mappings import check_mapping_name
        from pandai.importing.plan import (ImportOptions, blocking_error, execute_import,
                                           plan_import)

        workspace = open_workspace(ctx)
        if save_mapping is not None:
            check_mapping_name(save_mapping)
        options = ImportOptions(map_text=map_option, mapping_name=mapping, status_map=status_map,
                                owner_map=owner_map, on_duplicate=on_duplicate,
                                overwrite=overwrite, keep_incomplete=keep_incomplete,
                                encoding=encoding, delimiter=delimiter, sheet=sheet)
        if common.is_terminal() and not yes and not dry_run:
            ask_mapping(workspace, file, options)
        progress = _progress()

        def show_preview(plan) -> None:
            if progress:
                click.echo("", err=True)
            echo(render_preview(workspace, plan, all_rows))

        if dry_run or not yes:
            plan = plan_import(workspace, file, options, progress)
            show_preview(plan)
            error = blocking_error(plan)
            if dry_run:
                echo(_("Dry run: nothing was written."))
                if error:
                    # A dry run that would fail reports it in its exit status too, for scripts.
                    raise error
                return
            if error:
                raise error
            if not plan.created and not plan.targets and not save_mapping:
                echo(_("Nothing to import."))
                return
            created, updated = plan.counts()
            if not confirm(_("Import {created} new and {updated} updated clients?").format(
                    created=created, updated=updated), yes):
                echo(_("Nothing was imported."))
                return
            plan, _committed = execute_import(workspace, file, options,
                                              save_mapping=save_mapping, expected=plan,
                                              progress=progress)
            if progress:
                click.echo("", err=True)
        else:
            plan, _committed = execute_import(workspace, file, options,
                                              save_mapping=save_mapping, progress=progress,
                                              on_plan=show_preview)

        created, updated = plan.counts()
        if save_mapping:
            echo(_("Mapping {name} saved in imports.yaml.").format(name=save_mapping))
        if not created and not updated:
            echo(_("Nothing to import."))
            return
        echo(_("Imported {created} new and {updated} updated clients.").format(
            created=created, updated=updated))
