"""The HTML page of ``pandai report --html``: one self-contained file with SVG charts.

The page makes no network request: no scripts, fonts, images or style sheets are linked, the
CSS is inline and the charts are SVG elements generated here. It is written in the active
language, and every text that comes from client files or the command line is escaped with
:func:`html.escape`. The layout stacks its cards into one column on a phone.
"""

from __future__ import annotations

from html import escape
from typing import Any

from pandai import report_charts as charts
from pandai.i18n import _, current_language, format_number
from pandai.workspace import Workspace

# SVG fill colours for the colour names statuses.yaml may use; white would vanish on the page.
FILLS = {"black": "#374151", "red": "#dc2626", "green": "#16a34a", "yellow": "#ca8a04",
         "blue": "#2563eb", "magenta": "#c026d3", "cyan": "#0891b2", "white": "#9ca3af",
         "grey": "#6b7280", "gray": "#6b7280", "bright_red": "#f87171",
         "bright_green": "#4ade80", "bright_yellow": "#facc15", "bright_blue": "#60a5fa",
         "bright_magenta": "#e879f9", "bright_cyan": "#22d3ee"}
DEFAULT_FILL = "#4f46e5"
CHART_WIDTH = 400
ROW_HEIGHT = 44
BAR_HEIGHT = 16
LABEL_CHARACTERS = 30

STYLE = """
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f6; color: #1f2937; line-height: 1.45;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem; }
h1 { margin: 0.2rem 0; font-size: 1.6rem; }
h2 { margin: 0 0 0.5rem; font-size: 1.2rem; }
h3 { margin: 1rem 0 0.2rem; font-size: 1rem; }
.meta { margin: 0.1rem 0; color: #4b5563; }
.cards { display: grid; gap: 1rem; margin-top: 1rem;
         grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); }
.card { min-width: 0; padding: 1rem; background: #fff; border-radius: 12px;
        box-shadow: 0 1px 3px rgba(0, 0, 0, 0.08); }
.big { margin: 0.2rem 0; font-size: 1.6rem; font-weight: 700; }
.card p { margin: 0.2rem 0; }
svg.chart { display: block; width: 100%; height: auto; margin: 0.4rem 0; }
svg.chart text { font-size: 15px; fill: #1f2937; }
svg.chart .track { fill: #eef0f4; }
.table { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid #e5e7eb; text-align: right;
         white-space: nowrap; }
th:first-child, td:first-child { text-align: left; white-space: normal; }
@media (max-width: 600px) {
  main { padding: 0.5rem; }
  h1 { font-size: 1.3rem; }
  .big { font-size: 1.3rem; }
  table { font-size: 0.8rem; }
}
"""


def render_html(workspace: Workspace, data: dict[str, Any]) -> str:
    """Return the whole page for the figures of a report."""
    title = _("Pandai report")
    summary = "".join(f'<p class="meta">{escape(line)}</p>'
                      for line in charts.summary_lines(data))
    builders = {"pipeline": _pipeline, "conversion": _conversion, "leads": _leads,
                "sources": _sources, "owners": _owners, "funnel": _funnel}
    cards = "\n".join(
        f'<section class="card" id="{kind}"><h2>{escape(charts.section_title(kind))}</h2>\n'
        f'{builders[kind](workspace, data)}</section>' for kind in data["kinds"])
    return (f'<!DOCTYPE html>\n<html lang="{escape(current_language())}">\n<head>\n'
            f'<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n'
            f'<header><h1>{escape(title)}</h1>{summary}</header>\n'
            f'<div class="cards">\n{cards}\n</div>\n</main>\n</body>\n</html>\n')


def _fill(workspace: Workspace, status_name: str | None) -> str:
    status = workspace.statuses.find(status_name) if status_name else None
    return FILLS.get(status.color.lower(), DEFAULT_FILL) if status else DEFAULT_FILL


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[:LABEL_CHARACTERS - 1] + "…"


def svg_bars(title: str, rows: list[tuple[str, float, str, str]], centered: bool = False) -> str:
    """Return an SVG bar chart of rows (label, fraction 0…1, value text, fill colour).

    Each row has its label and value on one line and the bar below, so the chart stays readable
    when a phone scales it down. ``centered`` centres the bars, which draws a funnel.
    """
    height = ROW_HEIGHT * len(rows)
    parts = [f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for index, (label, fraction, value, fill) in enumerate(rows):
        top = index * ROW_HEIGHT
        width = round(max(0.0, min(1.0, fraction)) * CHART_WIDTH, 1)
        if fraction > 0:
            width = max(width, 2.0)
        left = round((CHART_WIDTH - width) / 2, 1) if centered else 0
        parts.append(
            f'<text x="0" y="{top + 16}">{escape(_short(label))}</text>'
            f'<text x="{CHART_WIDTH}" y="{top + 16}" text-anchor="end">{escape(value)}</text>'
            f'<rect class="track" x="0" y="{top + 23}" width="{CHART_WIDTH}" '
            f'height="{BAR_HEIGHT}" rx="3"></rect>'
            f'<rect class="bar" x="{left}" y="{top + 23}" width="{width}" height="{BAR_HEIGHT}" '
            f'rx="3" fill="{fill}"><title>{escape(label)}: {escape(value)}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Return an HTML table; every header and cell is escaped."""
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>' \
           f'</table></div>'


def _fraction(amount: float, largest: float) -> float:
    return amount / largest if largest else 0.0


def _paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in lines)


def _pipeline(workspace: Workspace, data: dict[str, Any]) -> str:
    figures = data["pipeline"]
    parts = [f'<p class="big">{escape(charts.money(data, figures["value"]))}</p>',
             _paragraphs([charts.pipeline_summary(data)])]
    if figures["without_value"]:
        parts.append(_paragraphs([_("Open clients without a value: {count}").format(
            count=format_number(figures["without_value"]))]))
    largest = max([row["value"] for row in figures["by_status"]], default=0)
    title = _("By status")
    parts.append(f"<h3>{escape(title)}</h3>")
    parts.append(svg_bars(title, [
        (charts.status_label(row), _fraction(row["value"], largest),
         f'{charts.money(data, row["value"])} ({format_number(row["clients"])})',
         _fill(workspace, row["status"])) for row in figures["by_status"]]))
    if figures["by_owner"]:
        largest = max(row["value"] for row in figures["by_owner"])
        title = _("By owner")
        parts.append(f"<h3>{escape(title)}</h3>")
        parts.append(svg_bars(title, [
            (charts.owner_label(row), _fraction(row["value"], largest),
             f'{charts.money(data, row["value"])} ({format_number(row["clients"])})',
             DEFAULT_FILL) for row in figures["by_owner"]]))
    return "\n".join(parts)


def _conversion(workspace: Workspace, data: dict[str, Any]) -> str:
    figures = data["conversion"]
    parts = [f'<p class="big">{escape(charts.format_rate(figures["rate"]))}</p>',
             _paragraphs(charts.conversion_lines(data))]
    if figures["by_period"]:
        title = charts.conversion_chart_title(data["period"])
        parts.append(f"<h3>{escape(title)}</h3>")
        parts.append(svg_bars(title, [
            (charts.period_label(row, data["period"]), row["rate"] or 0.0,
             "{rate} ({won} / {leads})".format(rate=charts.format_rate(row["rate"]),
                                               won=row["won"], leads=row["leads"]),
             FILLS["green"]) for row in figures["by_period"]]))
    return "\n".join(parts)


def _leads(workspace: Workspace, data: dict[str, Any]) -> str:
    figures = data["leads"]
    title = charts.leads_chart_title(data["period"])
    parts = [f"<h3>{escape(title)}</h3>"]
    if figures["by_period"]:
        largest = max(row["leads"] for row in figures["by_period"])
        parts.append(svg_bars(title, [
            (charts.period_label(row, data["period"]), _fraction(row["leads"], largest),
             format_number(row["leads"]), FILLS["blue"]) for row in figures["by_period"]]))
    else:
        parts.append(_paragraphs([_("No leads with a created date.")]))
    if figures["without_created"]:
        parts.append(_paragraphs([_("Clients without a created date: {count}").format(
            count=format_number(figures["without_created"]))]))
    return "\n".join(parts)


def _sources(workspace: Workspace, data: dict[str, Any]) -> str:
    rows = data["sources"]
    if not rows:
        return _paragraphs([_("No clients.")])
    largest = max(row["leads"] for row in rows)
    chart = svg_bars(charts.section_title("sources"), [
        (charts.source_label(row), _fraction(row["leads"], largest),
         "{leads} · {rate}".format(leads=format_number(row["leads"]),
                                   rate=charts.format_rate(row["rate"])), DEFAULT_FILL)
        for row in rows])
    return chart + table(
        [_("Source"), _("Leads"), _("Won"), _("Lost"), _("Conversion"), _("Won value")],
        [[charts.source_label(row), format_number(row["leads"]), format_number(row["won"]),
          format_number(row["lost"]), charts.format_rate(row["rate"]),
          charts.money(data, row["won_value"])] for row in rows])


def _owners(workspace: Workspace, data: dict[str, Any]) -> str:
    rows = data["owners"]
    if not rows:
        return _paragraphs([_("No clients.")])
    largest = max(row["won_value"] for row in rows)
    title = _("Won value")
    chart = f"<h3>{escape(title)}</h3>" + svg_bars(title, [
        (charts.owner_label(row), _fraction(row["won_value"], largest),
         charts.money(data, row["won_value"]), FILLS["green"]) for row in rows])
    return chart + table(
        [_("Owner"), _("Leads"), _("Open"), _("Pipeline value"), _("Won"), _("Won value"),
         _("Conversion")],
        [[charts.owner_label(row), format_number(row["leads"]), format_number(row["open"]),
          charts.money(data, row["pipeline_value"]), format_number(row["won"]),
          charts.money(data, row["won_value"]), charts.format_rate(row["rate"])]
         for row in rows])


def _funnel(workspace: Workspace, data: dict[str, Any]) -> str:
    rows = data["funnel"]
    if not rows:
        return _paragraphs([_("statuses.yaml has no open or won status.")])
    largest = rows[0]["clients"]
    return svg_bars(charts.section_title("funnel"), [
        (charts.status_label(row), _fraction(row["clients"], largest),
         "{count} ({share})".format(count=format_number(row["clients"]),
                                    share=charts.format_rate(row["share_of_first"])),
         _fill(workspace, row["status"])) for row in rows], centered=True)
