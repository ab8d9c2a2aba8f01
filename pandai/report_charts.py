"""Text renderings of a report: the terminal report with Unicode bar charts, and CSV.

Both read the JSON-ready figures of :func:`pandai.reports.build_report`. Bars are drawn with
full blocks and the eighth blocks ``▏▎▍▌▋▊▉`` for the fraction of the last cell, in a width the
caller passes (the terminal's). The labels and formatting helpers here are shared with the HTML
page, so both show the same words and numbers.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date
from typing import Any, Iterable

from pandai.i18n import _, current_language, format_date, format_money, format_number, ngettext
from pandai.statuses import COLORS
from pandai.workspace import Workspace

FULL_BLOCK = "█"
# Blocks for 1/8 … 7/8 of a cell, index = eighths.
EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
MAX_BAR_WIDTH = 60
MIN_BAR_WIDTH = 8


# Labels and numbers, shared with the HTML page ---------------------------------------------

def format_rate(rate: float | None) -> str:
    """Format a rate between 0 and 1 as a percentage with one decimal; a dash when undefined."""
    if rate is None:
        return "–"
    from babel.numbers import format_percent

    return format_percent(rate, "#,##0.0%", locale=current_language())


def period_label(row: dict[str, Any], period: str) -> str:
    """Return a period's name in the active language: ``Nov 2026``, ``Week 48, 2026``…"""
    from babel.dates import format_skeleton

    start = date.fromisoformat(row["start"])
    if period == "week":
        year, week = row["period"].split("-W")
        return _("Week {week}, {year}").format(week=int(week), year=year)
    if period == "month":
        return format_skeleton("yMMM", start, locale=current_language())
    if period == "quarter":
        return format_skeleton("yQQQ", start, locale=current_language())
    return str(start.year)


def section_title(kind: str) -> str:
    """Return the heading of a report kind."""
    return {"pipeline": _("Pipeline value"), "conversion": _("Conversion rate"),
            "sources": _("Source effectiveness"), "leads": _("New leads"),
            "owners": _("Owners"), "funnel": _("Funnel")}[kind]


def leads_chart_title(period: str) -> str:
    """Return the heading of the chart of new leads per period."""
    return {"week": _("New leads per week"), "month": _("New leads per month"),
            "quarter": _("New leads per quarter"), "year": _("New leads per year")}[period]


def conversion_chart_title(period: str) -> str:
    """Return the heading of the chart of conversion by the period in which leads came."""
    return {"week": _("Conversion of the leads of each week"),
            "month": _("Conversion of the leads of each month"),
            "quarter": _("Conversion of the leads of each quarter"),
            "year": _("Conversion of the leads of each year")}[period]


def pipeline_summary(data: dict[str, Any]) -> str:
    """Return the sentence with the pipeline value and the number of open clients."""
    figures = data["pipeline"]
    return ngettext("{value} in {count} open client", "{value} in {count} open clients",
                    figures["clients"]).format(value=money(data, figures["value"]),
                                               count=format_number(figures["clients"]))


def conversion_lines(data: dict[str, Any]) -> list[str]:
    """Return the sentences with both conversion rates and both average values."""
    figures = data["conversion"]
    averages = figures["average_value"]
    return [_("Won / all leads: {rate} ({won} of {leads})").format(
                rate=format_rate(figures["rate"]), won=figures["won"], leads=figures["leads"]),
            _("Won / won or lost: {rate} ({won} of {decided})").format(
                rate=format_rate(figures["rate_decided"]), won=figures["won"],
                decided=figures["decided"]),
            _("Average value of all clients with a value: {value} ({count})").format(
                value=money(data, averages["all"]["average"]),
                count=_clients(averages["all"]["clients"])),
            _("Average value of won clients with a value: {value} ({count})").format(
                value=money(data, averages["won"]["average"]),
                count=_clients(averages["won"]["clients"]))]


def _clients(count: int) -> str:
    return ngettext("{count} client", "{count} clients", count).format(
        count=format_number(count))


def owner_label(row: dict[str, Any]) -> str:
    """Return an owner's name, else the id, else the words for no owner."""
    return row.get("name") or row.get("owner") or _("(no owner)")


def source_label(row: dict[str, Any]) -> str:
    """Return a source name, or the words for no source."""
    return row.get("source") or _("(no source)")


def status_label(row: dict[str, Any]) -> str:
    """Return a status name, or the words for no status."""
    return row.get("status") or _("(no status)")


def money(data: dict[str, Any], value: int | None) -> str:
    """Format an amount in the report's currency."""
    return format_money(value, data["currency"]) if value is not None else "–"


def summary_lines(data: dict[str, Any]) -> list[str]:
    """Return the summary lines: the day, the segment, the window and the number of clients."""
    lines = [_("Sales report, {day}").format(day=format_date(date.fromisoformat(data["today"])))]
    if data["as_of"] != data["today"]:
        lines.append(_("Statuses as of {day}").format(
            day=format_date(date.fromisoformat(data["as_of"]))))
    if data["view"]:
        lines.append(_("View: {view}").format(view=data["view"]))
    if data["filters"]:
        lines.append(_("Filters: {filters}").format(filters=" ".join(data["filters"])))
    start, end = (format_date(date.fromisoformat(day)) if day else None
                  for day in (data["from"], data["to"]))
    if start and end:
        lines.append(_("Clients created from {start} to {end}").format(start=start, end=end))
    elif start:
        lines.append(_("Clients created from {start}").format(start=start))
    elif end:
        lines.append(_("Clients created until {end}").format(end=end))
    if data["archived_included"]:
        lines.append(_("Archived clients included"))
    lines.append(_clients(data["clients"]))
    left_out = data["left_out_without_created"]
    if left_out:
        lines.append(ngettext(
            "{count} client without a created date is left out of the date window.",
            "{count} clients without a created date are left out of the date window.",
            left_out).format(count=left_out))
    return lines


# Bars -------------------------------------------------------------------------------------

def display_width(text: str) -> int:
    """Return how many terminal cells ``text`` takes (wide characters take two)."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def fit(text: str, width: int) -> str:
    """Pad ``text`` to ``width`` cells, cutting it with an ellipsis when it is longer."""
    if display_width(text) > width:
        while text and display_width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - display_width(text))


def bar(fraction: float, width: int) -> str:
    """Return a bar of ``fraction`` (0…1) of ``width`` cells; any non-zero amount shows."""
    cells = max(0.0, min(1.0, fraction)) * width
    full = int(cells)
    eighths = round((cells - full) * 8)
    if eighths == 8:
        full, eighths = full + 1, 0
    drawn = FULL_BLOCK * full + EIGHTHS[eighths]
    return drawn or (EIGHTHS[1] if fraction > 0 else "")


def _paint(text: str, color_name: str | None, color: bool) -> str:
    code = COLORS.get((color_name or "").lower())
    return f"\x1b[{code}m{text}\x1b[0m" if color and code and text else text


def _layout(labels: list[str], columns: list[list[str]], width: int) -> tuple[int, list[int], int]:
    """Return the label width, the width of each text column and the bar width."""
    label_width = min(max(map(display_width, labels), default=0), max(12, width // 3))
    text_widths = [max(map(display_width, column), default=0) for column in columns]
    spacing = 2 * (1 + len(columns))
    bar_width = width - label_width - sum(text_widths) - spacing
    return label_width, text_widths, max(MIN_BAR_WIDTH, min(MAX_BAR_WIDTH, bar_width))


def bar_chart(rows: list[tuple[str, float, list[str], str | None]], width: int, color: bool,
              centered: bool = False) -> list[str]:
    """Return chart lines for rows of (label, fraction, texts after the bar, colour name).

    ``centered`` centres each bar, which draws a funnel.
    """
    label_width, text_widths, bar_width = _layout(
        [row[0] for row in rows], [list(column) for column in zip(*(row[2] for row in rows))],
        width)
    lines = []
    for label, fraction, texts, color_name in rows:
        drawn = bar(fraction, bar_width)
        left = (bar_width - len(drawn)) // 2 if centered else 0
        right = bar_width - len(drawn) - left
        cells = " " * left + _paint(drawn, color_name, color) + " " * right
        numbers = "  ".join(text.rjust(text_width) if text_width else ""
                            for text, text_width in zip(texts, text_widths))
        lines.append(f"{fit(label, label_width)}  {cells}  {numbers}".rstrip())
    return lines


def _fraction(amount: float, largest: float) -> float:
    return amount / largest if largest else 0.0


# The terminal report ----------------------------------------------------------------------

def render_text(workspace: Workspace, data: dict[str, Any], width: int, color: bool) -> str:
    """Return the report for a terminal: a summary, then each kind with its chart or table."""
    sections = ["\n".join(summary_lines(data))]
    renderers = {"pipeline": _pipeline_text, "conversion": _conversion_text,
                 "leads": _leads_text, "sources": _sources_text, "owners": _owners_text,
                 "funnel": _funnel_text}
    for kind in data["kinds"]:
        sections.append("\n".join(renderers[kind](workspace, data, width, color)))
    return "\n\n".join(sections)


def _status_color(workspace: Workspace, name: str | None) -> str | None:
    status = workspace.statuses.find(name) if name else None
    return status.color if status else None


def _pipeline_text(workspace: Workspace, data: dict[str, Any], width: int, color: bool
                   ) -> list[str]:
    figures = data["pipeline"]
    lines = [_("Pipeline value: {summary}").format(summary=pipeline_summary(data))]
    if figures["without_value"]:
        lines.append(ngettext("{count} open client has no value.",
                              "{count} open clients have no value.",
                              figures["without_value"]).format(count=figures["without_value"]))
    largest = max([row["value"] for row in figures["by_status"]], default=0)
    lines += ["", _("By status")]
    lines += bar_chart([(status_label(row), _fraction(row["value"], largest),
                         [money(data, row["value"]), format_number(row["clients"])],
                         _status_color(workspace, row["status"]))
                        for row in figures["by_status"]], width, color)
    if figures["by_owner"]:
        largest = max(row["value"] for row in figures["by_owner"])
        lines += ["", _("By owner")]
        lines += bar_chart([(owner_label(row), _fraction(row["value"], largest),
                             [money(data, row["value"]), format_number(row["clients"])], None)
                            for row in figures["by_owner"]], width, color)
    return lines


def _conversion_text(workspace: Workspace, data: dict[str, Any], width: int, color: bool
                     ) -> list[str]:
    figures = data["conversion"]
    lines = [section_title("conversion"), *conversion_lines(data)]
    if figures["by_period"]:
        lines += ["", conversion_chart_title(data["period"])]
        lines += bar_chart([(period_label(row, data["period"]), row["rate"] or 0.0,
                             [format_rate(row["rate"]),
                              _("{won} of {leads}").format(won=row["won"], leads=row["leads"])],
                             "green") for row in figures["by_period"]], width, color)
    return lines


def _leads_text(workspace: Workspace, data: dict[str, Any], width: int, color: bool
                ) -> list[str]:
    figures = data["leads"]
    lines = [leads_chart_title(data["period"])]
    if not figures["by_period"]:
        lines.append(_("No leads with a created date."))
    largest = max([row["leads"] for row in figures["by_period"]], default=0)
    lines += bar_chart([(period_label(row, data["period"]), _fraction(row["leads"], largest),
                         [format_number(row["leads"])], "blue")
                        for row in figures["by_period"]], width, color)
    if figures["without_created"]:
        lines.append(ngettext("{count} client has no created date, so it is in no period.",
                              "{count} clients have no created date, so they are in no period.",
                              figures["without_created"]).format(
                                  count=figures["without_created"]))
    return lines


def _table(headers: list[str], rows: list[list[str]]) -> str:
    from tabulate import tabulate

    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True,
                    colalign=("left", *["right"] * (len(headers) - 1)))


def _sources_text(workspace: Workspace, data: dict[str, Any], width: int, color: bool
                  ) -> list[str]:
    rows = data["sources"]
    if not rows:
        return [section_title("sources"), _("No clients.")]
    table = _table([_("Source"), _("Leads"), _("Won"), _("Lost"), _("Conversion"),
                    _("Won value")],
                   [[source_label(row), format_number(row["leads"]), format_number(row["won"]),
                     format_number(row["lost"]), format_rate(row["rate"]),
                     money(data, row["won_value"])] for row in rows])
    return [section_title("sources"), table]


def _owners_text(workspace: Workspace, data: dict[str, Any], width: int, color: bool
                 ) -> list[str]:
    rows = data["owners"]
    if not rows:
        return [section_title("owners"), _("No clients.")]
    table = _table([_("Owner"), _("Leads"), _("Open"), _("Pipeline value"), _("Won"),
                    _("Won value"), _("Conversion")],
                   [[owner_label(row), format_number(row["leads"]), format_number(row["open"]),
                     money(data, row["pipeline_value"]), format_number(row["won"]),
                     money(data, row["won_value"]), format_rate(row["rate"])] for row in rows])
    return [section_title("owners"), table]


def _funnel_text(workspace: Workspace, data: dict[str, Any], width: int, color: bool
                 ) -> list[str]:
    rows = data["funnel"]
    lines = [section_title("funnel")]
    if not rows:
        return [*lines, _("statuses.yaml has no open or won status.")]
    largest = rows[0]["clients"]
    lines += bar_chart([(status_label(row), _fraction(row["clients"], largest),
                         [format_number(row["clients"]), format_rate(row["share_of_first"])],
                         _status_color(workspace, row["status"]))
                        for row in rows], width, color, centered=True)
    return lines


# CSV --------------------------------------------------------------------------------------

# The key that names the row of a list section, in the CSV's ``item`` column.
_ITEM_KEYS = ("status", "owner", "source", "period")
# Descriptive keys that the CSV leaves out, because its ``value`` column carries figures.
_CSV_SKIPPED = ("name", "start", "end", "stage")
_META_KEYS = ("today", "as_of", "from", "to", "period", "currency", "view", "clients",
              "left_out_without_created")


def render_csv(data: dict[str, Any]) -> str:
    """Return the figures as CSV in long form: ``section,item,metric,value``, one a row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "item", "metric", "value"])
    for key in _META_KEYS:
        writer.writerow(["report", "", key, _csv_value(data.get(key))])
    for kind in data["kinds"]:
        writer.writerows(_csv_rows(kind, data[kind]))
    return buffer.getvalue()


def _csv_rows(section: str, content: Any) -> Iterable[list[str]]:
    if isinstance(content, list):
        for row in content:
            item = next((row[key] for key in _ITEM_KEYS if key in row), None)
            for metric, value in row.items():
                if metric not in _ITEM_KEYS and metric not in _CSV_SKIPPED:
                    yield [section, _csv_value(item), metric, _csv_value(value)]
        return
    for metric, value in content.items():
        if isinstance(value, list):
            yield from _csv_rows(f"{section}_{metric}", value)
        elif isinstance(value, dict):
            for item, figures in value.items():
                for name, number in figures.items():
                    yield [f"{section}_{metric}", item, name, _csv_value(number)]
        else:
            yield [section, "", metric, _csv_value(value)]


def _csv_value(value: Any) -> str:
    return "" if value is None else str(value)
