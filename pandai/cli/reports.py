"""The ``report`` command: sales figures in the terminal, as JSON or CSV, or as an HTML page.

The figures are computed by :mod:`pandai.reports`, which this module imports inside the command
so that ``pandai --help`` stays fast. This module turns the options into a report request and
picks the rendering.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import List, Optional

import typer
from typing import Annotated

from pandai.cli import completion
from pandai.cli.common import echo, open_workspace, use_color, warn
from pandai.errors import InvalidInput, PandaiError
from pandai.i18n import _
from pandai.parsing import fold, parse_date
from pandai.workspace import Workspace

KIND_NAMES = ("pipeline", "conversion", "sources", "leads", "owners", "funnel")
PERIOD_NAMES = ("week", "month", "quarter", "year")
FORMATS = ("text", "json", "csv")
# Hungarian words a user may type for a report kind or a period.
_KIND_ALIASES = {"konverzio": "conversion", "forrasok": "sources", "forras": "sources",
                 "leadek": "leads", "lead": "leads", "felelosok": "owners", "felelos": "owners",
                 "tolcser": "funnel"}
_PERIOD_ALIASES = {"het": "week", "honap": "month", "negyedev": "quarter", "ev": "year"}
_FILTER_OPERATORS = ("=", "<", ">", "~")


def parse_kind(text: str) -> str | None:
    """Return the report kind ``text`` names, in English or Hungarian, or None."""
    key = fold(text.strip())
    return key if key in KIND_NAMES else _KIND_ALIASES.get(key)


def split_arguments(arguments: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Split the arguments into the leading report kinds and the filters after them.

    No kind means every kind. Raise InvalidInput for a word that is neither a kind nor a filter.
    """
    kinds: list[str] = []
    filters: list[str] = []
    for argument in arguments:
        kind = parse_kind(argument) if not filters else None
        if kind:
            if kind not in kinds:
                kinds.append(kind)
        elif any(operator in argument for operator in _FILTER_OPERATORS):
            filters.append(argument)
        else:
            raise InvalidInput(
                _("Invalid report kind {kind!r}. Use one of: {kinds}, or give a filter such "
                  "as owner=anna.").format(kind=argument, kinds=", ".join(KIND_NAMES)))
    return tuple(kinds) or KIND_NAMES, filters


def parse_period(text: str) -> str:
    """Return the period ``text`` names; raise InvalidInput listing the periods."""
    key = fold(text.strip())
    period = key if key in PERIOD_NAMES else _PERIOD_ALIASES.get(key)
    if period is None:
        raise InvalidInput(_("Invalid period {period!r}. Use one of: {periods}.").format(
            period=text, periods=", ".join(PERIOD_NAMES)))
    return period


def parse_day(workspace: Workspace, text: str | None, option: str) -> date | None:
    """Parse the date given to ``option``; raise InvalidInput naming the option."""
    if text is None:
        return None
    try:
        return parse_date(text, workspace.today)
    except ValueError as error:
        raise InvalidInput(_("Invalid {option} date: {reason}").format(
            option=option, reason=error)) from None


def _complete_arguments(ctx: typer.Context, incomplete: str) -> list[str]:
    kinds = [kind for kind in KIND_NAMES if kind.startswith(incomplete)]
    return kinds + completion.field_assignments(ctx, incomplete)


def _write_page(path: Path, page: str) -> None:
    # A mistyped folder is an error rather than a new folder tree, so the page is easy to find.
    if not path.parent.is_dir():
        raise InvalidInput(_("Cannot write the HTML report to {path}: the folder {folder} does "
                             "not exist.").format(path=path, folder=path.parent))
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as error:
        raise PandaiError(_("Cannot write the HTML report to {path}: {reason}. Choose a "
                            "folder you can write to.").format(
                                path=path, reason=error.strerror or error)) from None


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``, with help texts in the active language."""

    @app.command("report", help=_(
        "Sales figures with charts: pipeline value per status and owner, conversion rate, "
        "average value, new leads per period, source effectiveness, owners and the funnel."))
    def report(
            ctx: typer.Context,
            arguments: Annotated[Optional[List[str]], typer.Argument(
                metavar="[KIND]... [FILTER]...",
                help=_("Report kinds to show (pipeline, conversion, sources, leads, owners, "
                       "funnel; all by default), then filters FIELD OP VALUE such as "
                       "owner=anna or source=Weboldal."),
                show_default=False, autocompletion=_complete_arguments)] = None,
            period: Annotated[str, typer.Option(
                "--period", "-p", help=_("Group new leads and conversion by week (ISO weeks "
                                         "from Monday), month, quarter or year."))] = "month",
            date_from: Annotated[Optional[str], typer.Option(
                "--from", help=_("Only clients created on or after this day: 2026.01.01., "
                                 "-3m, today…"))] = None,
            date_to: Annotated[Optional[str], typer.Option(
                "--to", help=_("Only clients created on or before this day."))] = None,
            as_of: Annotated[Optional[str], typer.Option(
                "--as-of", help=_("Rebuild every client's status on this day from its status "
                                  "history, such as 2026.09.30. or -3m."))] = None,
            view: Annotated[Optional[str], typer.Option(
                "--view", "-v", help=_("Report on the clients of a saved view."),
                autocompletion=completion.view_names)] = None,
            output_format: Annotated[str, typer.Option(
                "--format", "-f", help=_("Output format: text, json or csv."))] = "text",
            html: Annotated[Optional[Path], typer.Option(
                "--html", help=_("Also write a self-contained HTML page with charts to this "
                                 "file."), dir_okay=False)] = None,
            archived: Annotated[bool, typer.Option(
                "--archived", help=_("Include archived clients."))] = False) -> None:
        from pandai import report_charts, reports

        workspace = open_workspace(ctx)
        if output_format not in FORMATS:
            raise InvalidInput(_("Unknown format {format!r}; use one of: {formats}.").format(
                format=output_format, formats=", ".join(FORMATS)))
        kinds, filters = split_arguments(arguments or [])
        request = reports.ReportRequest(
            kinds=kinds, period=parse_period(period),
            start=parse_day(workspace, date_from, "--from"),
            end=parse_day(workspace, date_to, "--to"),
            as_of=parse_day(workspace, as_of, "--as-of"),
            filters=filters, view=view, include_archived=archived)
        result = reports.build_report(workspace, request)
        for problem in result.problems:
            warn(problem.message)

        if html is not None:
            from pandai import report_html

            _write_page(html, report_html.render_html(workspace, result.data))
            # The confirmation goes to stderr when stdout carries data for a script.
            echo(_("Wrote the report to {path}.").format(path=html),
                 err=output_format != "text")
        if output_format == "json":
            echo(json.dumps(result.data, ensure_ascii=False, indent=2))
        elif output_format == "csv":
            echo(report_charts.render_csv(result.data).rstrip("\n"))
        elif html is None:
            width = shutil.get_terminal_size().columns
            echo(report_charts.render_text(workspace, result.data, width, use_color(ctx)))
