"""Tests of ``pandai report``: every figure on a workspace worked out by hand, and each output.

The fixture workspace tests/fixtures/report_workspace has nine active clients and one archived
one. Today is 2026-12-04 (PANDAI_TODAY). Statuses in lifecycle order: New lead, Contacted and
Offer sent (open), Won (won), Lost (lost), Inactive (inactive).

| client  | status     | owner | source    | value     | created    | history                   |
|---------|------------|-------|-----------|-----------|------------|---------------------------|
| alpha   | New lead   | anna  | Web       | 1 000 000 | 2026-11-20 | 11-20 New lead            |
| bravo   | Contacted  | anna  | Referral  | 2 000 000 | 2026-10-05 | 10-05 NL, 10-20 Contacted |
| charlie | Offer sent | bela  | Web       | 1 500 000 | 2026-09-10 | 09-10 NL, 09-15 C, 11-02 OS |
| delta   | Won        | bela  | Referral  | 3 000 000 | 2026-08-01 | 08-01 NL, 08-10 C, 09-01 OS, 10-15 Won |
| echo    | Won        | anna  | Web       |   500 000 | 2026-11-03 | 11-03 NL, 11-10 OS, 11-25 Won |
| foxtrot | Lost       | bela  | Cold call |   800 000 | 2026-09-20 | 09-20 NL, 10-01 C, 10-30 Lost |
| golf    | Offer sent | -     | -         | -         | 2026-11-28 | none                      |
| hotel   | Inactive   | anna  | Event     | -         | 2026-08-15 | 08-15 NL, 11-01 Inactive  |
| india   | New lead   | bela  | Web       |   700 000 | -          | none                      |
| juliet (archived) | Lost | anna | Web   |   400 000 | 2026-07-01 | 07-01 NL, 07-20 Lost      |
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import commit_all, commit_count, git, run, snapshot, uncommitted

from pandai.client import Client
from pandai.report_charts import bar
from pandai.report_data import status_on

FIXTURE = Path(__file__).parent / "fixtures" / "report_workspace"
CHROMIUM = Path("/usr/bin/chromium")
FULL = "█"


@pytest.fixture
def report_ws(tmp_path: Path) -> Path:
    """A git copy of the fixture workspace, committed, so a test can see it stays unchanged."""
    target = tmp_path / "reports"
    shutil.copytree(FIXTURE, target)
    git(target, "init", "-q")
    commit_all(target, "Copy the report fixture")
    return target


def figures(ws: Path, *args: object, lang: str = "en") -> dict:
    """Run ``pandai report ARGS --format json`` and return the parsed figures."""
    result = run(ws, "report", *args, "--format", "json", lang=lang)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# The figures, worked out by hand from the table above --------------------------------------

def test_pipeline_total(report_ws: Path) -> None:
    pipeline = figures(report_ws, "pipeline")["pipeline"]
    # Open clients: alpha 1.0M, bravo 2.0M, charlie 1.5M, india 0.7M and golf without a value.
    assert pipeline["value"] == 5_200_000
    assert pipeline["clients"] == 5
    assert pipeline["without_value"] == 1


def test_pipeline_by_status(report_ws: Path) -> None:
    pipeline = figures(report_ws, "pipeline")["pipeline"]
    # New lead: alpha + india; Contacted: bravo; Offer sent: charlie + golf (no value).
    assert pipeline["by_status"] == [
        {"status": "New lead", "clients": 2, "value": 1_700_000},
        {"status": "Contacted", "clients": 1, "value": 2_000_000},
        {"status": "Offer sent", "clients": 2, "value": 1_500_000}]


def test_pipeline_by_owner(report_ws: Path) -> None:
    pipeline = figures(report_ws, "pipeline")["pipeline"]
    # anna: alpha + bravo; bela: charlie + india; golf has no owner. Team order, then no owner.
    assert pipeline["by_owner"] == [
        {"owner": "anna", "name": "Nagy Anna", "clients": 2, "value": 3_000_000},
        {"owner": "bela", "name": "Kovács Béla", "clients": 2, "value": 2_200_000},
        {"owner": None, "name": None, "clients": 1, "value": 0}]


def test_conversion_rates(report_ws: Path) -> None:
    conversion = figures(report_ws, "conversion")["conversion"]
    # 9 leads; won: delta, echo; lost: foxtrot; inactive: hotel; the other 5 are open.
    assert conversion["leads"] == 9
    assert conversion["won"] == 2
    assert conversion["lost"] == 1
    assert conversion["open"] == 5
    assert conversion["inactive"] == 1
    assert conversion["decided"] == 3
    assert conversion["rate"] == 0.2222          # 2 / 9
    assert conversion["rate_decided"] == 0.6667  # 2 / 3


def test_average_values(report_ws: Path) -> None:
    averages = figures(report_ws, "conversion")["conversion"]["average_value"]
    # With a value: 1.0 + 2.0 + 1.5 + 3.0 + 0.5 + 0.8 + 0.7 = 9.5M over 7 clients.
    assert averages["all"] == {"clients": 7, "total": 9_500_000, "average": 1_357_143}
    # Won: delta 3.0M + echo 0.5M.
    assert averages["won"] == {"clients": 2, "total": 3_500_000, "average": 1_750_000}


def test_conversion_per_month(report_ws: Path) -> None:
    rows = figures(report_ws, "conversion")["conversion"]["by_period"]
    # From the first created month (August) to today's month; December has no leads.
    summary = [(row["period"], row["leads"], row["won"], row["lost"], row["rate"],
                row["rate_decided"]) for row in rows]
    assert summary == [("2026-08", 2, 1, 0, 0.5, 1.0),      # delta won, hotel inactive
                       ("2026-09", 2, 0, 1, 0.0, 0.0),      # charlie open, foxtrot lost
                       ("2026-10", 1, 0, 0, 0.0, None),     # bravo open
                       ("2026-11", 3, 1, 0, 0.3333, 1.0),   # alpha, echo won, golf
                       ("2026-12", 0, 0, 0, None, None)]


def test_leads_per_month(report_ws: Path) -> None:
    leads = figures(report_ws, "leads")["leads"]
    assert [(row["period"], row["leads"]) for row in leads["by_period"]] == [
        ("2026-08", 2), ("2026-09", 2), ("2026-10", 1), ("2026-11", 3), ("2026-12", 0)]
    assert leads["total"] == 9
    assert leads["without_created"] == 1  # india


def test_leads_per_iso_week(report_ws: Path) -> None:
    data = figures(report_ws, "leads", "--period", "week", "--from", "2026.11.16.",
                   "--to", "2026-11-30")
    rows = data["leads"]["by_period"]
    # ISO weeks start on Monday: W47 is Nov 16-22 (alpha), W48 Nov 23-29 (golf), W49 from
    # Nov 30 (nobody by the --to day).
    assert [(row["period"], row["start"], row["leads"]) for row in rows] == [
        ("2026-W47", "2026-11-16", 1), ("2026-W48", "2026-11-23", 1),
        ("2026-W49", "2026-11-30", 0)]
    assert data["left_out_without_created"] == 1


def test_leads_per_quarter(report_ws: Path) -> None:
    rows = figures(report_ws, "leads", "--period", "quarter")["leads"]["by_period"]
    # Q3: delta, hotel, charlie, foxtrot; Q4: bravo, echo, alpha, golf.
    assert [(row["period"], row["leads"]) for row in rows] == [("2026-Q3", 4), ("2026-Q4", 4)]


def test_leads_per_year(report_ws: Path) -> None:
    rows = figures(report_ws, "leads", "--period", "year")["leads"]["by_period"]
    assert [(row["period"], row["leads"]) for row in rows] == [("2026", 8)]


def test_sources(report_ws: Path) -> None:
    sources = figures(report_ws, "sources")["sources"]
    # statuses.yaml order, then clients without a source (golf).
    assert sources == [
        {"source": "Web", "leads": 4, "won": 1, "lost": 0, "rate": 0.25,
         "won_value": 500_000},                               # alpha, charlie, echo, india
        {"source": "Referral", "leads": 2, "won": 1, "lost": 0, "rate": 0.5,
         "won_value": 3_000_000},                             # bravo, delta
        {"source": "Cold call", "leads": 1, "won": 0, "lost": 1, "rate": 0.0, "won_value": 0},
        {"source": "Event", "leads": 1, "won": 0, "lost": 0, "rate": 0.0, "won_value": 0},
        {"source": None, "leads": 1, "won": 0, "lost": 0, "rate": 0.0, "won_value": 0}]


def test_owners(report_ws: Path) -> None:
    owners = figures(report_ws, "owners")["owners"]
    # anna: alpha, bravo (open), echo (won), hotel; bela: charlie, india (open), delta (won),
    # foxtrot; golf has no owner.
    assert owners == [
        {"owner": "anna", "name": "Nagy Anna", "leads": 4, "open": 2,
         "pipeline_value": 3_000_000, "won": 1, "won_value": 500_000, "rate": 0.25},
        {"owner": "bela", "name": "Kovács Béla", "leads": 4, "open": 2,
         "pipeline_value": 2_200_000, "won": 1, "won_value": 3_000_000, "rate": 0.25},
        {"owner": None, "name": None, "leads": 1, "open": 1, "pipeline_value": 0, "won": 0,
         "won_value": 0, "rate": 0.0}]


def test_funnel(report_ws: Path) -> None:
    funnel = figures(report_ws, "funnel")["funnel"]
    # Every client counts at New lead (9). Contacted: bravo, charlie, delta, foxtrot, and echo
    # and golf, which reached a later open status. Offer sent: charlie, delta, echo, golf.
    assert [(row["status"], row["clients"]) for row in funnel] == [
        ("New lead", 9), ("Contacted", 6), ("Offer sent", 4), ("Won", 2)]
    assert [row["share_of_first"] for row in funnel] == [1.0, 0.6667, 0.4444, 0.2222]
    assert [row["from_previous"] for row in funnel] == [None, 0.6667, 0.6667, 0.5]


# Time travel, windows, filters and views ---------------------------------------------------

def test_as_of_pipeline(report_ws: Path) -> None:
    data = figures(report_ws, "pipeline", "--as-of", "2026-09-30")
    # Created by Sep 30: charlie (Contacted then), delta (Offer sent then), foxtrot and hotel
    # (New lead then), india (no history: keeps New lead). All five were open.
    assert data["clients"] == 5
    assert data["pipeline"]["value"] == 6_000_000
    assert data["pipeline"]["by_status"] == [
        {"status": "New lead", "clients": 3, "value": 1_500_000},
        {"status": "Contacted", "clients": 1, "value": 1_500_000},
        {"status": "Offer sent", "clients": 1, "value": 3_000_000}]


def test_as_of_funnel(report_ws: Path) -> None:
    funnel = figures(report_ws, "funnel", "--as-of", "2026-09-30")["funnel"]
    # Only history up to Sep 30 counts: charlie reached Contacted, delta Offer sent.
    assert [row["clients"] for row in funnel] == [5, 2, 1, 0]


def test_as_of_relative_day(report_ws: Path) -> None:
    data = figures(report_ws, "pipeline", "--as-of", "-3m")
    # -3m is 2026-09-04: delta (Offer sent since 09-01), hotel and india (New lead).
    assert data["as_of"] == "2026-09-04"
    assert data["pipeline"]["value"] == 3_700_000


def test_filter_with_as_of(report_ws: Path) -> None:
    # stage=open applies to the statuses of that day: all five were open on Sep 30.
    data = figures(report_ws, "pipeline", "stage=open", "--as-of", "2026-09-30")
    assert data["clients"] == 5


def test_status_on_rules() -> None:
    day = date(2026, 9, 30)
    later = Client("later", {"status": "Won", "created": date(2026, 10, 1)})
    plain = Client("plain", {"status": "Won", "created": date(2026, 1, 1)})
    late_history = Client("late", {"status": "Won", "created": date(2026, 9, 1),
                                   "status_history": [{"at": date(2026, 10, 2),
                                                       "from": "Contacted", "to": "Won"}]})
    undated = Client("undated", {"status": "Won", "status_history": [
        {"at": date(2026, 10, 2), "to": "Won"}]})
    assert status_on(later, day) == (False, None)
    assert status_on(plain, day) == (True, "Won")
    assert status_on(late_history, day) == (True, "Contacted")
    assert status_on(undated, day) == (False, None)


def test_filter_argument(report_ws: Path) -> None:
    data = figures(report_ws, "pipeline", "conversion", "owner=anna")
    # alpha, bravo, echo, hotel.
    assert data["clients"] == 4
    assert data["pipeline"]["value"] == 3_000_000
    assert data["conversion"]["won"] == 1


def test_view_option(report_ws: Path) -> None:
    data = figures(report_ws, "--view", "anna-web")
    # owner=anna and source=Web: alpha (open) and echo (won).
    assert data["clients"] == 2
    assert data["pipeline"]["value"] == 1_000_000
    assert data["conversion"]["rate"] == 0.5
    assert data["view"] == "anna-web"


def test_window_without_leads(report_ws: Path) -> None:
    data = figures(report_ws, "--from", "2026-12-01")
    assert data["clients"] == 0
    assert data["leads"]["by_period"] == [
        {"period": "2026-12", "start": "2026-12-01", "end": "2026-12-31", "leads": 0}]
    assert data["conversion"]["rate"] is None
    assert data["pipeline"]["value"] == 0
    assert data["left_out_without_created"] == 1


def test_window_text_says_no_leads(report_ws: Path) -> None:
    result = run(report_ws, "report", "leads", "--from", "2026-12-01",
                 env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    assert "0 clients" in result.stdout
    assert re.search(r"^Dec 2026 +0$", result.stdout, re.M)


def test_archived_option(report_ws: Path) -> None:
    conversion = figures(report_ws, "conversion", "--archived")["conversion"]
    assert conversion["leads"] == 10  # juliet is added
    assert conversion["lost"] == 2


def test_empty_workspace(workspace: Path) -> None:
    data = figures(workspace)
    assert data["clients"] == 0
    assert data["pipeline"]["value"] == 0
    assert data["conversion"]["rate"] is None
    assert data["conversion"]["average_value"]["all"]["average"] is None
    assert data["leads"]["by_period"] == []
    assert data["sources"] == []
    assert [row["clients"] for row in data["funnel"]] == [0] * len(data["funnel"])


def test_empty_workspace_text(workspace: Path) -> None:
    result = run(workspace, "report")
    assert result.exit_code == 0, result.output
    assert "0 clients" in result.stdout
    assert "No leads with a created date." in result.stdout


def test_report_changes_nothing(report_ws: Path, tmp_path: Path) -> None:
    before = snapshot(report_ws)
    commits = commit_count(report_ws)
    result = run(report_ws, "report", "--html", tmp_path / "page.html")
    assert result.exit_code == 0, result.output
    assert snapshot(report_ws) == before
    assert commit_count(report_ws) == commits
    assert uncommitted(report_ws) == ""


# Bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["revenue"], "Invalid report kind 'revenue'"),
    (["--period", "daily"], "Invalid period 'daily'"),
    (["--from", "2026.13.01."], "Invalid --from date"),
    (["--as-of", "soon"], "Invalid --as-of date"),
    (["--from", "2026-12-01", "--to", "2026-11-01"], "--from 2026-12-01 is after --to"),
    (["--view", "nope"], "No view called 'nope'"),
    (["colour=red"], "unknown field 'colour'"),
    (["--format", "xml"], "Unknown format 'xml'"),
])
def test_bad_input_rejected(report_ws: Path, args: list[str], message: str) -> None:
    result = run(report_ws, "report", *args)
    assert result.exit_code == 4
    assert message in result.output
    assert "Traceback" not in result.output


def test_html_missing_folder(report_ws: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "page.html"
    result = run(report_ws, "report", "--html", target)
    assert result.exit_code == 4
    assert "does not exist" in result.output
    assert not target.parent.exists()


# Terminal text, JSON and CSV ---------------------------------------------------------------

def test_text_leads_exact(report_ws: Path) -> None:
    result = run(report_ws, "report", "leads", env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    # Bars are 47 cells: 60 columns - 8 (label) - 1 (number) - 4 (two gaps of two spaces).
    # 2 of 3 leads are 31.33 cells (31 full and ▍ for 3/8); 1 of 3 is 15.67 (15 and ▋ 5/8).
    two = FULL * 31 + "▍" + " " * 15
    expected = "\n".join([
        "Sales report, Dec 4, 2026",
        "9 clients",
        "",
        "New leads per month",
        f"Aug 2026  {two}  2",
        f"Sep 2026  {two}  2",
        f"Oct 2026  {FULL * 15 + '▋' + ' ' * 31}  1",
        f"Nov 2026  {FULL * 47}  3",
        f"Dec 2026  {' ' * 47}  0",
        "1 client has no created date, so it is in no period.",
        ""])
    assert result.stdout == expected


def test_text_sources_exact(report_ws: Path) -> None:
    result = run(report_ws, "report", "sources", env={"COLUMNS": "60"})
    expected = "\n".join([
        "Sales report, Dec 4, 2026",
        "9 clients",
        "",
        "Source effectiveness",
        "Source         Leads    Won    Lost    Conversion     Won value",
        "-----------  -------  -----  ------  ------------  ------------",
        "Web                4      1       0         25.0%    HUF500,000",
        "Referral           2      1       0         50.0%  HUF3,000,000",
        "Cold call          1      0       1          0.0%          HUF0",
        "Event              1      0       0          0.0%          HUF0",
        "(no source)        1      0       0          0.0%          HUF0",
        ""])
    assert result.stdout == expected


def test_text_hungarian_formats(report_ws: Path) -> None:
    result = run(report_ws, "report", "pipeline", lang="hu", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    # Babel's Hungarian grouping uses U+00A0 between the digit groups.
    assert "5\u00a0200\u00a0000 Ft" in result.stdout
    assert "1\u00a0700\u00a0000 Ft" in result.stdout
    assert "2026. 12. 04." in result.stdout


def test_text_hungarian_chart_exact(report_ws: Path) -> None:
    result = run(report_ws, "report", "pipeline", lang="hu", env={"COLUMNS": "60"})
    # Labels and amounts come from the data and Babel, so these lines do not depend on the
    # catalog. Bars are 31 cells: 60 - 10 (label) - 12 (amount) - 1 (count) - 6 (gaps).
    # 1.7M of 2.0M is 26.35 cells (26 and ▍ for 3/8); 1.5M is 23.25 (23 and ▎ for 2/8).
    lines = result.stdout.splitlines()
    assert f"New lead    {FULL * 26}▍      1\u00a0700\u00a0000 Ft  2" in lines
    assert f"Contacted   {FULL * 31}  2\u00a0000\u00a0000 Ft  1" in lines
    assert f"Offer sent  {FULL * 23}▎         1\u00a0500\u00a0000 Ft  2" in lines


def test_text_hungarian_rate(report_ws: Path) -> None:
    result = run(report_ws, "report", "conversion", lang="hu")
    assert "22,2%" in result.stdout


def test_text_hungarian_months(report_ws: Path) -> None:
    result = run(report_ws, "report", "leads", lang="hu")
    assert "2026. aug." in result.stdout


@pytest.mark.parametrize("columns", [50, 80, 140])
def test_text_fits_terminal(report_ws: Path, columns: int) -> None:
    result = run(report_ws, "report", "pipeline", "leads", "funnel",
                 env={"COLUMNS": str(columns)})
    # Chart lines are sized to the terminal; sentences may wrap as any terminal text does.
    chart_lines = [line for line in result.stdout.splitlines() if FULL in line]
    assert max(len(line) for line in chart_lines) <= columns


def test_text_colour_on_request(report_ws: Path) -> None:
    result = run(report_ws, "--color", "always", "report", "pipeline")
    assert "\x1b[34m" in result.stdout  # New lead is blue in statuses.yaml


def test_text_plain_with_no_color(report_ws: Path) -> None:
    result = run(report_ws, "report", "pipeline", "funnel")
    assert "\x1b[" not in result.stdout


def test_text_plain_when_piped(report_ws: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    completed = subprocess.run([sys.executable, "-m", "pandai", "-w", str(report_ws), "report"],
                               capture_output=True, text=True, env=environment, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "Pipeline value" in completed.stdout
    assert "\x1b[" not in completed.stdout


def test_bar_eighths() -> None:
    assert bar(0.5, 10) == FULL * 5
    assert bar(0.0625, 10) == "▋"   # 0.625 cells = 5 eighths
    assert bar(0.01, 10) == "▏"     # a tiny non-zero amount still shows
    assert bar(0.0, 10) == ""
    assert bar(1.0, 10) == FULL * 10


def test_csv_long_form(report_ws: Path) -> None:
    result = run(report_ws, "report", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["section", "item", "metric", "value"]
    assert ["pipeline", "", "value", "5200000"] in rows
    assert ["pipeline_by_owner", "bela", "value", "2200000"] in rows
    assert ["conversion_average_value", "won", "average", "1750000"] in rows
    assert ["sources", "Web", "rate", "0.25"] in rows
    assert ["leads_by_period", "2026-12", "leads", "0"] in rows
    assert ["funnel", "Contacted", "clients", "6"] in rows


def test_json_only_requested_kinds(report_ws: Path) -> None:
    data = figures(report_ws, "funnel", "sources")
    assert data["kinds"] == ["funnel", "sources"]
    assert "pipeline" not in data


def test_hungarian_kind_alias(report_ws: Path) -> None:
    data = figures(report_ws, "tölcsér")
    assert data["kinds"] == ["funnel"]


def test_help_skips_report_module() -> None:
    # Building every command must leave the figures module unimported until a report runs.
    code = ("import sys; from pandai.cli.main import build_app; build_app(); "
            "print('pandai.reports' in sys.modules, 'babel' in sys.modules)")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True)
    assert completed.stdout.split() == ["False", "False"]


# The HTML page -----------------------------------------------------------------------------

def write_page(ws: Path, folder: Path, *args: object, lang: str = "en") -> str:
    """Run ``pandai report --html`` and return the page."""
    page = folder / "report.html"
    result = run(ws, "report", *args, "--html", page, lang=lang)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote the report to {page}.\n" or lang != "en"
    return page.read_text(encoding="utf-8")


def test_html_self_contained(report_ws: Path, tmp_path: Path) -> None:
    page = write_page(report_ws, tmp_path)
    assert "http" not in page
    assert "<script" not in page
    assert "<link" not in page
    assert "src=" not in page
    assert "url(" not in page
    assert "@import" not in page


def test_html_for_phones(report_ws: Path, tmp_path: Path) -> None:
    page = write_page(report_ws, tmp_path)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media (max-width: 600px)" in page
    assert '<html lang="en">' in page


def test_html_charts(report_ws: Path, tmp_path: Path) -> None:
    page = write_page(report_ws, tmp_path)
    widths = [float(width) for width in re.findall(r'class="bar"[^>]* width="([\d.]+)"', page)]
    # 3 statuses + 3 owners + 5 months of conversion + 5 sources + 5 months of leads
    # + 3 owners' won value + 4 funnel steps.
    assert len(widths) == 28
    assert max(widths) == 400


def test_html_hungarian(report_ws: Path, tmp_path: Path) -> None:
    page = write_page(report_ws, tmp_path, lang="hu")
    assert '<html lang="hu">' in page
    assert "5\u00a0200\u00a0000 Ft" in page


def test_html_escapes_client_text(report_ws: Path, tmp_path: Path) -> None:
    (report_ws / "clients" / "kilo.yaml").write_text(
        "name: Kilo\nstatus: New lead\nsource: <img src=x onerror=alert(1)>\n"
        "created: 2026-11-01\n", encoding="utf-8")
    page = write_page(report_ws, tmp_path, "source~<img")
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "source~&lt;img" in page


def test_html_with_json(report_ws: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = run(report_ws, "report", "--html", page, "--format", "json")
    assert json.loads(result.stdout)["clients"] == 9
    assert page.is_file()


# A probe appended to a copy of the page: it records the drawn width of every bar after layout.
_PROBE = """<script>
const bars = Array.from(document.querySelectorAll("rect.bar"));
document.body.dataset.widths = bars.map(b => b.getBoundingClientRect().width.toFixed(1)).join(" ");
document.body.dataset.overflow = String(document.documentElement.scrollWidth > innerWidth);
</script>"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium "
                    "(.ci/run installs Debian's chromium package), so the page cannot be "
                    "rendered")
def test_html_renders_in_chromium(report_ws: Path, tmp_path: Path) -> None:
    page = write_page(report_ws, tmp_path)
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", "--window-size=500,3000",
               "--dump-dom", probe.as_uri()]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180,
                               check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    found = re.search(r'data-widths="([^"]*)"', completed.stdout)
    assert found, completed.stdout[-2000:]
    widths = [float(width) for width in found.group(1).split()]
    assert len(widths) == 28
    # Non-zero bars: 3 statuses, 2 owners, 2 months of conversion, 5 sources, 4 months of
    # leads, 2 owners' won value, 4 funnel steps.
    assert sum(1 for width in widths if width > 0) == 22
    # The longest bar spans its card, narrower than the window, and the page does not scroll
    # sideways. (Headless Chromium 156 kept a 500 px minimum window width in trials.)
    assert 250 < max(widths) < 500
    assert 'data-overflow="false"' in completed.stdout
