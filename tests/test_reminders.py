"""Tests of ``pandai remind``, ``mentions`` and ``reactivate`` on real git workspaces."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from conftest import BASE_ENV, commit_all, commit_count, last_commit_message, run, uncommitted
from pandai import reminders
from pandai.workspace import Workspace

STATE = Path(".pandai") / "remind-state.yaml"
HEARTBEAT = Path(".pandai") / "remind-heartbeat"


def must(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def client_data(ws: Path, client_id: str) -> dict:
    return yaml.safe_load((ws / "clients" / f"{client_id}.yaml").read_text(encoding="utf-8"))


def set_rules(ws: Path, **rules: int) -> None:
    """Change the lifecycle rules in pandai.yaml and commit, as a person editing it would."""
    path = ws / "pandai.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"].update(rules)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    commit_all(ws, "Change the rules")


def write_state(ws: Path, **last_runs: datetime) -> None:
    (ws / ".pandai").mkdir(exist_ok=True)
    document = {"last_run": {user: moment.isoformat() for user, moment in last_runs.items()}}
    (ws / STATE).write_text(yaml.safe_dump(document), encoding="utf-8")


def note_time(ws: Path, client_id: str) -> datetime:
    return datetime.fromisoformat(str(client_data(ws, client_id)["notes"][-1]["at"]))


def backdate_note(ws: Path, client_id: str, delta: timedelta) -> None:
    """Move the last note of a client back in time by hand, and commit the edit."""
    path = ws / "clients" / f"{client_id}.yaml"
    written = note_time(ws, client_id)
    text = path.read_text(encoding="utf-8")
    assert text.count(written.isoformat()) == 1
    path.write_text(text.replace(written.isoformat(), (written - delta).isoformat()),
                    encoding="utf-8")
    commit_all(ws, "Edit a note time")


@pytest.fixture
def due_ws(workspace: Path) -> Path:
    """anna's workspace on 2026-12-04 with one client in each group, and bela's client.

    kiss-peter is overdue (12-01), nagy-eva due today, lost-laszlo lost with its retry date
    on 12-02, regi-rita open with no contact since 2026-08-01, later-lili due next week and
    bela-ugyfele overdue but owned by bela.
    """
    must(run(workspace, "team", "add", "bela", "--name", "Kovács Béla", "--email",
             "bela@pelda.hu"))
    steps = [
        ["add", "Kiss Péter", "--company", "Példa Kft.", "--email", "peter@pelda.hu",
         "--phone", "06301234567", "--next", "2026-12-01"],
        ["add", "Nagy Éva", "--email", "eva@pelda.hu", "--next", "today"],
        ["add", "Lost László", "--phone", "06201234567"],
        ["status", "lost-laszlo", "Lost", "--reason", "Too expensive"],
        ["edit", "lost-laszlo", "next_action=2026-12-02"],
        ["add", "Régi Rita", "--email", "rita@pelda.hu"],
        ["edit", "regi-rita", "last_contact=2026-08-01"],
        ["add", "Later Lili", "--email", "lili@pelda.hu", "--next", "+7d"],
        ["add", "Bela Ugyfele", "--owner", "bela", "--next", "-5d", "--email", "bu@pelda.hu"],
    ]
    for step in steps:
        must(run(workspace, *step))
    return workspace


# What is due

def test_remind_silent(workspace: Path) -> None:
    result = run(workspace, "remind")
    assert result.exit_code == 0
    assert result.output == ""


def test_remind_groups(due_ws: Path) -> None:
    output = must(run(due_ws, "remind"))
    assert output.splitlines() == [
        "Follow-ups of Nagy Anna (anna) for Dec 4, 2026",
        "",
        "Overdue next actions (1)",
        "- kiss-peter · Kiss Péter (Példa Kft.) · 06 30 123 4567 · peter@pelda.hu · "
        "due Dec 1, 2026, 3 days ago",
        "",
        "Next actions due today (1)",
        "- nagy-eva · Nagy Éva · eva@pelda.hu · due today",
        "",
        "Lost or inactive clients to try again (1)",
        "- lost-laszlo · Lost László · 06 20 123 4567 · retry date Dec 2, 2026",
        "",
        "Open clients with no contact for over 90 days (1)",
        "- regi-rita · Régi Rita · rita@pelda.hu · no contact since Aug 1, 2026 (125 days)",
    ]


def test_remind_only_own(due_ws: Path) -> None:
    output = must(run(due_ws, "remind"))
    assert "bela-ugyfele" not in output
    assert "later-lili" not in output


def test_remind_all_by_owner(due_ws: Path) -> None:
    must(run(due_ws, "add", "Gazdátlan Gábor", "--next", "today"))
    must(run(due_ws, "edit", "gazdatlan-gabor", "owner="))
    output = must(run(due_ws, "remind", "--all"))
    anna = output.index("Follow-ups of Nagy Anna (anna)")
    bela = output.index("Follow-ups of Kovács Béla (bela)")
    nobody = output.index("Follow-ups of Clients without owner")
    assert anna < bela < nobody
    assert "bela-ugyfele" in output[bela:nobody]
    assert "gazdatlan-gabor" in output[nobody:]


def test_remind_json(due_ws: Path) -> None:
    digests = json.loads(must(run(due_ws, "remind", "--format", "json")))
    assert len(digests) == 1
    digest = digests[0]
    assert digest["owner"] == "anna"
    assert [item["id"] for item in digest["overdue"]] == ["kiss-peter"]
    assert digest["overdue"][0]["phone_national"] == "06 30 123 4567"
    assert digest["overdue"][0]["days"] == 3
    assert [item["id"] for item in digest["today"]] == ["nagy-eva"]
    assert [item["id"] for item in digest["retry"]] == ["lost-laszlo"]
    assert digest["inactive"][0]["date"] == "2026-08-01"


def test_remind_json_nothing_due(workspace: Path) -> None:
    assert json.loads(must(run(workspace, "remind", "--format", "json"))) == []


def test_remind_hungarian_dates(due_ws: Path) -> None:
    output = must(run(due_ws, "remind", lang="hu"))
    assert "2026. 12. 01." in output
    assert "06 30 123 4567" in output


def test_remind_needs_user(due_ws: Path) -> None:
    result = run(due_ws, "remind", env={"PANDAI_USER": None})
    assert result.exit_code == 4
    assert "Cannot tell who you are" in result.output


def test_remind_changes_nothing(due_ws: Path) -> None:
    before = commit_count(due_ws)
    must(run(due_ws, "remind", "--all"))
    assert commit_count(due_ws) == before
    assert uncommitted(due_ws) == ""


# --date, month ends and leap days

def test_date_option(due_ws: Path) -> None:
    output = must(run(due_ws, "remind", "--date", "2026-12-11"))
    assert "later-lili · Later Lili · lili@pelda.hu · due today" in output
    assert "nagy-eva · Nagy Éva · eva@pelda.hu · due Dec 4, 2026, 7 days ago" in output


def test_date_invalid(due_ws: Path) -> None:
    result = run(due_ws, "remind", "--date", "2026-02-30")
    assert result.exit_code == 4
    assert "Invalid --date" in result.output


def test_retry_month_end(workspace: Path) -> None:
    set_rules(workspace, lost_retry_months=1)
    must(run(workspace, "add", "Januári János", "--email", "janos@pelda.hu",
             env={"PANDAI_TODAY": "2026-01-31"}))
    must(run(workspace, "status", "januari-janos", "Lost", "--reason", "No budget",
             env={"PANDAI_TODAY": "2026-01-31"}))
    assert str(client_data(workspace, "januari-janos")["next_action"]) == "2026-02-28"
    assert must(run(workspace, "remind", "--date", "2026-02-27")) == ""
    output = must(run(workspace, "remind", "--date", "2026-02-28"))
    assert "januari-janos · Januári János · janos@pelda.hu · retry date Feb 28, 2026" in output


def test_retry_leap_day(workspace: Path) -> None:
    must(run(workspace, "add", "Szökő Szilvia", "--email", "szilvia@pelda.hu",
             env={"PANDAI_TODAY": "2027-11-29"}))
    must(run(workspace, "status", "szoko-szilvia", "Lost", "--reason", "Later",
             env={"PANDAI_TODAY": "2027-11-29"}))
    assert str(client_data(workspace, "szoko-szilvia")["next_action"]) == "2028-02-29"
    assert must(run(workspace, "remind", "--date", "2028-02-28")) == ""
    assert "retry date Feb 29, 2028" in must(run(workspace, "remind", "--date", "2028-02-29"))


def test_inactive_across_leap_day(workspace: Path) -> None:
    must(run(workspace, "add", "Csendes Csaba", "--email", "csaba@pelda.hu"))
    must(run(workspace, "edit", "csendes-csaba", "last_contact=2027-12-01"))
    assert must(run(workspace, "remind", "--date", "2028-02-29")) == ""
    output = must(run(workspace, "remind", "--date", "2028-03-01"))
    assert "no contact since Dec 1, 2027 (91 days)" in output


def test_inactive_rule_from_yaml(workspace: Path) -> None:
    set_rules(workspace, inactive_after_days=30)
    must(run(workspace, "add", "Csendes Csaba", "--email", "csaba@pelda.hu"))
    must(run(workspace, "edit", "csendes-csaba", "last_contact=2026-11-01"))
    output = must(run(workspace, "remind"))
    assert "Open clients with no contact for over 30 days (1)" in output


def test_lost_retry_rule_from_yaml(workspace: Path) -> None:
    set_rules(workspace, lost_retry_months=6)
    must(run(workspace, "add", "Vesztes Vilma", "--email", "vilma@pelda.hu"))
    must(run(workspace, "status", "vesztes-vilma", "Lost", "--reason", "Chose a rival"))
    assert str(client_data(workspace, "vesztes-vilma")["next_action"]) == "2027-06-04"


# Mentions

def test_mention_since_last_run(due_ws: Path) -> None:
    must(run(due_ws, "note", "nagy-eva", "@anna please call her", env={"PANDAI_USER": "bela"}))
    written = note_time(due_ws, "nagy-eva")
    write_state(due_ws, anna=written - timedelta(hours=1))
    output = must(run(due_ws, "remind"))
    assert "Mentions of you (1)" in output
    assert "· bela · nagy-eva Nagy Éva\n    @anna please call her" in output


def test_mention_before_last_run(due_ws: Path) -> None:
    must(run(due_ws, "note", "nagy-eva", "@anna please call her", env={"PANDAI_USER": "bela"}))
    write_state(due_ws, anna=note_time(due_ws, "nagy-eva") + timedelta(seconds=1))
    assert "Mentions of you" not in must(run(due_ws, "remind"))


def test_mention_run_advances_state(due_ws: Path) -> None:
    must(run(due_ws, "note", "nagy-eva", "@anna please call her", env={"PANDAI_USER": "bela"}))
    must(run(due_ws, "remind"))
    state = yaml.safe_load((due_ws / STATE).read_text())
    assert datetime.fromisoformat(state["last_run"]["anna"]) >= note_time(due_ws, "nagy-eva")


def test_mention_date_keeps_state(due_ws: Path) -> None:
    must(run(due_ws, "remind", "--date", "+1d"))
    assert not (due_ws / STATE).exists()


def test_mention_own_note_skipped(due_ws: Path) -> None:
    must(run(due_ws, "note", "nagy-eva", "@anna remember this"))
    assert "Mentions of you" not in must(run(due_ws, "remind"))


def test_mention_by_name_and_alias(due_ws: Path) -> None:
    path = due_ws / "pandai.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["team"][0]["aliases"] = ["Panni"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    commit_all(due_ws, "Add an alias")
    must(run(due_ws, "note", "kiss-peter", "@Anna first name", env={"PANDAI_USER": "bela"}))
    must(run(due_ws, "note", "nagy-eva", "@Panni alias", env={"PANDAI_USER": "bela"}))
    must(run(due_ws, "note", "later-lili", "@nagy family name", env={"PANDAI_USER": "bela"}))
    output = must(run(due_ws, "remind"))
    assert "Mentions of you (3)" in output


def test_mentions_command(due_ws: Path) -> None:
    must(run(due_ws, "note", "kiss-peter", "@anna first", env={"PANDAI_USER": "bela"}))
    must(run(due_ws, "note", "nagy-eva", "@bela second"))
    output = must(run(due_ws, "mentions"))
    assert "· bela · kiss-peter Kiss Péter\n    @anna first" in output
    assert "@bela second" not in output


def test_mentions_all_json(due_ws: Path) -> None:
    must(run(due_ws, "note", "kiss-peter", "@anna first", env={"PANDAI_USER": "bela"}))
    must(run(due_ws, "note", "nagy-eva", "@bela second"))
    backdate_note(due_ws, "kiss-peter", timedelta(hours=2))
    found = json.loads(must(run(due_ws, "mentions", "--all", "--format", "json")))
    assert [(item["mentioned"], item["client"]) for item in found] == [
        ("bela", "nagy-eva"), ("anna", "kiss-peter")]


def test_mentions_since(due_ws: Path) -> None:
    must(run(due_ws, "note", "kiss-peter", "@anna first", env={"PANDAI_USER": "bela"}))
    tomorrow = (datetime.now() + timedelta(days=1)).date().isoformat()
    assert must(run(due_ws, "mentions", "--since", tomorrow)) == "No notes mention you.\n"


# Heartbeat

def test_heartbeat_written(due_ws: Path) -> None:
    must(run(due_ws, "remind"))
    text = (due_ws / HEARTBEAT).read_text()
    assert text.count("\n") == 1
    assert datetime.fromisoformat(text.strip()).tzinfo is not None
    age = reminders.heartbeat_age(Workspace(due_ws))
    assert timedelta(0) <= age < timedelta(minutes=5)


def test_heartbeat_never_ran(workspace: Path) -> None:
    assert reminders.heartbeat_age(Workspace(workspace)) is None


def test_heartbeat_stale_warning(due_ws: Path) -> None:
    (due_ws / ".pandai").mkdir(exist_ok=True)
    old = datetime.now().astimezone() - timedelta(days=10)
    (due_ws / HEARTBEAT).write_text(old.isoformat() + "\n")
    result = run(due_ws, "remind")
    assert result.exit_code == 0
    assert "Warning: the reminder last ran 10 days ago" in result.output
    assert "pandai remind --cron" in result.output


def test_heartbeat_recent_no_warning(due_ws: Path) -> None:
    must(run(due_ws, "remind"))
    assert "Warning" not in must(run(due_ws, "remind"))


def test_heartbeat_weekend_not_overdue(workspace: Path) -> None:
    ws = Workspace(workspace)
    friday = datetime(2026, 12, 4, 7, 0).astimezone()
    reminders.record_heartbeat(ws, friday)
    monday = datetime(2026, 12, 7, 7, 5).astimezone()
    assert reminders.heartbeat_overdue(ws, monday) is None
    assert reminders.heartbeat_age(ws, monday) == timedelta(days=3, minutes=5)


def test_heartbeat_missed_weekdays(workspace: Path) -> None:
    ws = Workspace(workspace)
    reminders.record_heartbeat(ws, datetime(2026, 12, 2, 7, 0).astimezone())
    saturday = datetime(2026, 12, 5, 9, 0).astimezone()
    assert reminders.heartbeat_overdue(ws, saturday) == timedelta(days=3, hours=2)


# Crontab line

def test_cron_line(workspace: Path) -> None:
    program = Path(sys.executable).parent / "pandai"
    if not program.exists():
        pytest.skip("the pandai command is not installed beside the test's Python")
    environment = {**BASE_ENV, "PATH": f"{program.parent}:/usr/bin:/bin"}
    result = subprocess.run([str(program), "-w", str(workspace), "remind", "--cron"],
                            capture_output=True, text=True, env=environment, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"0 7 * * 1-5 {program.resolve()} -w {workspace} "
                             "remind --all --email\n")
    assert not (workspace / HEARTBEAT).exists()


def test_cron_line_password_file(workspace: Path) -> None:
    result = run(workspace, "remind", "--cron",
                 env={"PANDAI_SMTP_PASSWORD_FILE": "/home/anna/.smtp pass",
                      "PANDAI_SMTP_HOST": "smtp.pelda.hu", "PANDAI_SMTP_PASSWORD": "titok"})
    assert result.exit_code == 0
    assert "PANDAI_SMTP_HOST=smtp.pelda.hu PANDAI_SMTP_PASSWORD_FILE='/home/anna/.smtp pass' " \
        in result.output
    assert "titok" not in result.output
    assert result.output.rstrip().endswith(f"-w {workspace} remind --all --email")


def test_cron_line_leaves_out_password(workspace: Path) -> None:
    result = run(workspace, "remind", "--cron", env={"PANDAI_SMTP_PASSWORD": "titok"})
    assert result.exit_code == 0
    assert "titok" not in result.output
    assert "leaves out PANDAI_SMTP_PASSWORD" in result.output


# Reactivation

def test_reactivate_lost(due_ws: Path) -> None:
    before = commit_count(due_ws)
    must(run(due_ws, "reactivate", "lost-laszlo", "--reason", "Asked for a new offer"))
    data = client_data(due_ws, "lost-laszlo")
    assert data["status"] == "New lead"
    assert data["status_history"][-1] == {"at": date(2026, 12, 4), "by": "anna", "from": "Lost",
                                          "to": "New lead", "reason": "Asked for a new offer"}
    assert data["notes"][-1]["text"] == "Reactivated (Lost → New lead): Asked for a new offer"
    assert "next_action" not in data
    assert commit_count(due_ws) == before + 1
    assert last_commit_message(due_ws) == "pandai: reactivate lost-laszlo: Lost -> New lead"
    assert uncommitted(due_ws) == ""


def test_reactivate_keeps_future_action(due_ws: Path) -> None:
    must(run(due_ws, "edit", "lost-laszlo", "next_action=+3d"))
    must(run(due_ws, "reactivate", "lost-laszlo", "--status", "Contacting"))
    data = client_data(due_ws, "lost-laszlo")
    assert data["status"] == "Contacting"
    assert str(data["next_action"]) == "2026-12-07"
    assert data["notes"][-1]["text"] == "Reactivated (Lost → Contacting)."


def test_reactivate_inactive(due_ws: Path) -> None:
    must(run(due_ws, "edit", "regi-rita", "status=Inactive"))
    must(run(due_ws, "reactivate", "regi-rita"))
    assert client_data(due_ws, "regi-rita")["status"] == "New lead"


def test_reactivate_open_rejected(due_ws: Path) -> None:
    before = commit_count(due_ws)
    result = run(due_ws, "reactivate", "kiss-peter")
    assert result.exit_code == 4
    assert "neither lost nor inactive" in result.output
    assert commit_count(due_ws) == before


def test_reactivate_into_lost_rejected(due_ws: Path) -> None:
    result = run(due_ws, "reactivate", "lost-laszlo", "--status", "Inactive")
    assert result.exit_code == 4
    assert "choose an open or won status" in result.output
