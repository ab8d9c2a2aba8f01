"""Every command given bad input: a clear error on stderr, and nothing changed on disk.

Each case runs one command against its own copy of a small workspace. The exit status must be
non-zero, stderr must name the bad value, and no traceback may be shown. Afterwards no file of
the workspace has changed and git has no new commit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import pytest
import typer

from conftest import apply_test_env, commit_count, run, snapshot, uncommitted
from pandai.cli.main import build_app
from pandai.i18n import activate

IMPORT_FILES = {
    "ok.csv": "Név,E-mail\nTóth Ákos,akos@toth.hu\n",
    "bad-email.csv": "Név,E-mail\nTóth Ákos,akos@toth.hu\nRossz Róbert,not-an-email\n",
    "bad-date.csv": "Név,E-mail,Következő teendő\nTóth Ákos,akos@toth.hu,2026.13.45.\n",
    "bad-amount.csv": "Név,E-mail,Érték\nTóth Ákos,akos@toth.hu,sok pénz\n",
    "bad-owner.csv": "Név,E-mail,Felelős\nTóth Ákos,akos@toth.hu,Zoltán\n",
    "no-name.csv": "Cég,Forrás\nTóth Bt.,Weboldal\n",
}
# An old binary Excel workbook (.xls) starts with the OLE2 signature.
OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)

# (command, arguments, text stderr must contain). {ws} is the workspace, {files} a folder with
# the import files above, and {tmp} an empty folder outside the workspace.
CASES = [
    ("init", ["init", "{ws}"], "is already a Pandai workspace"),
    ("init", ["init", "{tmp}/new", "--preset", "crm"], "'crm'"),
    ("init", ["init", "{tmp}/new", "--lang", "de"], "'de'"),
    ("add", ["add", "Tóth Ákos", "--email", "akos@"], "'akos@'"),
    ("add", ["add", "Tóth Ákos", "--phone", "12"], "'12'"),
    ("add", ["add", "Tóth Ákos", "--value", "sok pénz"], "'sok pénz'"),
    ("add", ["add", "Tóth Ákos", "--next", "2026-02-30"], "'2026-02-30'"),
    ("add", ["add", "Tóth Ákos", "--next", "valamikor"], "'valamikor'"),
    ("add", ["add", "Tóth Ákos", "--status", "Nyert"], "'Nyert'"),
    ("add", ["add", "Tóth Ákos", "--owner", "zoli"], "'zoli'"),
    ("add", ["add", "Tóth Ákos", "--source", "Újság"], "'Újság'"),
    ("add", ["add", "Kiss Péter"], "kiss-peter (similar name and company)"),
    ("add", ["add", " "], "The name cannot be empty"),
    ("show", ["show", "nobody"], "'nobody'"),
    ("show", ["show", "kiss"], "'kiss' matches 2 clients"),
    ("show", ["show", "kiss-peter", "--format", "xml"], "'xml'"),
    ("show", ["show", "../pandai"], "'../pandai'"),
    ("edit", ["edit", "nobody", "company=X"], "'nobody'"),
    ("edit", ["edit", "kiss", "company=X"], "'kiss' matches 2 clients"),
    ("edit", ["edit", "kiss-peter", "email=akos@"], "'akos@'"),
    ("edit", ["edit", "kiss-peter", "phone=12"], "'12'"),
    ("edit", ["edit", "kiss-peter", "shoe_size=42"], "'shoe_size'"),
    ("edit", ["edit", "kiss-peter", "next_action=2026.13.01."], "'2026.13.01.'"),
    ("edit", ["edit", "kiss-peter", "value=abc"], "'abc'"),
    ("edit", ["edit", "kiss-peter", "status=Nyert"], "'Nyert'"),
    ("edit", ["edit", "kiss-peter", "owner=zoli"], "'zoli'"),
    ("edit", ["edit", "kiss-peter", "noequals"], "'noequals'"),
    ("edit", ["edit", "kiss-peter", "id=other"], "'id'"),
    ("list", ["list", "shoe_size=42"], "'shoe_size'"),
    ("list", ["list", "value>=abc"], "'abc'"),
    ("list", ["list", "next_action<=someday"], "'someday'"),
    ("list", ["list", "--view", "nope"], "'nope'"),
    ("list", ["list", "--columns", "name,shoe"], "'shoe'"),
    ("list", ["list", "--sort", "shoe"], "'shoe'"),
    ("list", ["list", "--format", "xml"], "'xml'"),
    ("list", ["-w", "{tmp}", "list"], "{tmp} is not a Pandai workspace"),
    ("search", ["search", "kiss", "--format", "xml"], "'xml'"),
    ("status", ["status", "nobody", "Contacting"], "'nobody'"),
    ("status", ["status", "kiss", "Contacting"], "'kiss' matches 2 clients"),
    ("status", ["status", "kiss-peter", "Nyert"], "'Nyert'"),
    ("status", ["status", "kiss-peter", "Lost"], "needs a reason"),
    ("note", ["note", "nobody", "Hívás"], "'nobody'"),
    ("note", ["note", "kiss", "Hívás"], "'kiss' matches 2 clients"),
    ("note", ["note", "kiss-peter", "Hívás", "--next", "someday"], "'someday'"),
    ("note", ["note", "kiss-peter", "  "], "The note is empty"),
    ("annotate", ["annotate", "kiss-peter", "Hívás", "--next", "2026.02.30."], "'2026.02.30.'"),
    ("annotate", ["annotate", "nobody", "Hívás"], "'nobody'"),
    ("import", ["import", "{files}/missing.csv"], "missing.csv"),
    ("import", ["import", "{files}/old.xls"], "old.xls"),
    ("import", ["import", "{files}/ok.csv"], "Add --yes"),
    ("import", ["import", "{files}/bad-email.csv", "--yes"], "bad-email.csv"),
    ("import", ["import", "{files}/bad-date.csv", "--yes"], "bad-date.csv"),
    ("import", ["import", "{files}/bad-amount.csv", "--yes"], "bad-amount.csv"),
    ("import", ["import", "{files}/bad-owner.csv", "--yes"], "bad-owner.csv"),
    ("import", ["import", "{files}/no-name.csv", "--yes"], "no column holds the client's name"),
    ("import", ["import", "{files}/ok.csv", "--map", "Nope=company"], "Nope"),
    ("import", ["import", "{files}/ok.csv", "--map", "E-mail=shoe"], "shoe"),
    ("import", ["import", "{files}/ok.csv", "--on-duplicate", "ignore"], "'ignore'"),
    ("archive", ["archive", "shoe_size=42"], "'shoe_size'"),
    ("archive", ["archive", "stage=open"], "Add --yes"),
    ("unarchive", ["unarchive", "nobody"], "'nobody'"),
    ("unarchive", ["unarchive", "kiss-peter"], "kiss-peter is not archived"),
    ("reassign", ["reassign", "anna", "zoli"], "'zoli'"),
    ("reassign", ["reassign", "zoli", "anna"], "'zoli'"),
    ("reassign", ["reassign", "anna", "bela"], "Add --yes"),
    ("reassign", ["reassign", "anna", "bela", "shoe_size=42"], "'shoe_size'"),
    ("attach", ["attach", "nobody", "{files}/ok.csv"], "'nobody'"),
    ("attach", ["attach", "kiss-peter", "{files}/missing.pdf"], "missing.pdf"),
    ("attach", ["attach", "kiss-peter", "{files}/ok.csv", "--name", "../evil.pdf"],
     "'../evil.pdf'"),
    ("files", ["files", "nobody"], "'nobody'"),
    ("files", ["files", "kiss-peter", "--open", "nope.pdf"], "'nope.pdf'"),
    ("undo", ["undo"], "Add --yes"),
    ("export", ["export", "--format", "xml"], "'xml'"),
    ("export", ["export", "shoe_size=42"], "'shoe_size'"),
    ("export", ["export", "--view", "nope"], "'nope'"),
    ("export", ["export", "--format", "csv", "--output", "{tmp}/missing/x.csv"],
     "{tmp}/missing"),
    ("duplicates", ["duplicates", "--format", "xml"], "'xml'"),
    ("duplicates", ["duplicates", "--not", "nobody", "kiss-peter"], "'nobody'"),
    ("merge", ["merge", "kiss-peter", "nobody"], "'nobody'"),
    ("merge", ["merge", "kiss-peter", "kiss-peter"], "Cannot merge kiss-peter with itself"),
    ("merge", ["merge", "kiss-peter", "kiss-peter-2"], "Add --yes"),
    ("report", ["report", "--format", "xml"], "'xml'"),
    ("report", ["report", "nosuchkind"], "'nosuchkind'"),
    ("report", ["report", "--from", "someday"], "'someday'"),
    ("report", ["report", "--period", "decade"], "'decade'"),
    ("report", ["report", "--as-of", "2026-13-01"], "'2026-13-01'"),
    ("report", ["report", "--html", "{tmp}/missing/report.html"], "{tmp}/missing"),
    ("remind", ["remind", "--date", "someday"], "'someday'"),
    ("remind", ["remind", "--format", "xml"], "'xml'"),
    ("mentions", ["mentions", "--since", "someday"], "'someday'"),
    ("mentions", ["mentions", "--format", "xml"], "'xml'"),
    ("reactivate", ["reactivate", "nobody"], "'nobody'"),
    ("reactivate", ["reactivate", "kiss-peter"], "neither lost nor inactive"),
    ("email", ["email", "nobody", "--body", "Szia"], "'nobody'"),
    ("email", ["email", "kiss-peter", "--template", "nope"], "'nope'"),
    ("email", ["email", "kiss-peter-2", "--body", "Szia", "--dry-run"],
     "kiss-peter-2 has no e-mail address"),
    ("email", ["email", "kiss-peter", "--subject", "Ajánlat", "--body", "Szia"],
     "No SMTP server is set. Add 'mail: {{host:"),
    ("email", ["email", "--view", "nope", "--body", "Szia"], "'nope'"),
    ("call", ["call", "nobody", "--no-open"], "'nobody'"),
    ("call", ["call", "kiss-peter-2", "--no-open"], "kiss-peter-2 has no phone number"),
    ("call", ["call", "kiss-peter", "--no-open", "--next", "someday"], "'someday'"),
    ("history", ["history", "nobody"], "'nobody'"),
    ("history", ["history", "--since", "someday"], "'someday'"),
    ("history", ["history", "--limit", "abc"], "'abc'"),
    ("history", ["history", "--format", "xml"], "'xml'"),
    ("doctor", ["doctor", "--format", "xml"], "'xml'"),
    ("sync", ["sync"], "no git remote"),
    ("merge-file", ["merge-file", "{tmp}/base.yaml", "{tmp}/ours.yaml", "{tmp}/theirs.yaml"],
     "base.yaml"),
    ("team list", ["team", "list", "--format", "xml"], "'xml'"),
    ("team add", ["team", "add", "anna"], "anna is already a team member"),
    ("team add", ["team", "add", "bad id!"], "'bad id!'"),
    ("team add", ["team", "add", "cecil", "--email", "cecil@"], "'cecil@'"),
    ("view list", ["view", "list", "--format", "xml"], "'xml'"),
    ("view show", ["view", "show", "nope"], "'nope'"),
    ("view save", ["view", "save", "bad name!"], "'bad name!'"),
    ("view save", ["view", "save", "hot", "shoe_size=42"], "'shoe_size'"),
    ("view save", ["view", "save", "hot", "--columns", "shoe"], "'shoe'"),
    ("view save", ["view", "save", "hot", "--sort", "shoe"], "'shoe'"),
    ("view save", ["view", "save", "vip", "value>=1M"], "Add --yes"),
    ("view delete", ["view", "delete", "nope"], "'nope'"),
    ("view delete", ["view", "delete", "vip"], "Add --yes"),
]


@pytest.fixture(scope="module")
def bad_input_template(_templates, tmp_path_factory) -> dict[str, Path]:
    """A workspace with clients kiss-peter and kiss-peter-2 and members anna and bela."""
    folder = tmp_path_factory.mktemp("bad-input")
    ws = folder / "ws"
    shutil.copytree(_templates["workspace"], ws, symlinks=True)
    with pytest.MonkeyPatch.context() as patch:
        apply_test_env(patch)
        for arguments in (["add", "Kiss Péter", "--email", "peter@pelda.hu", "--phone",
                           "06301234567"],
                          ["add", "Kiss Péter", "--company", "Tiszaparti Pékség Bt.", "--force"],
                          ["team", "add", "bela", "--name", "Kovács Béla"]):
            result = run(ws, *arguments)
            assert result.exit_code == 0, result.stderr
        activate("en")

    files = folder / "files"
    files.mkdir()
    for name, text in IMPORT_FILES.items():
        (files / name).write_text(text, encoding="utf-8")
    (files / "old.xls").write_bytes(OLD_EXCEL)
    return {"ws": ws, "files": files}


def case_id(case) -> str:
    command, arguments, _expected = case
    return f"{command}: {' '.join(arguments[len(command.split()):])}"


@pytest.mark.parametrize("command, arguments, expected", CASES, ids=[case_id(c) for c in CASES])
def test_bad_input(bad_input_template, tmp_path, command, arguments, expected):
    ws = tmp_path / "ws"
    shutil.copytree(bad_input_template["ws"], ws, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    places = {"ws": str(ws), "files": str(bad_input_template["files"]), "tmp": str(outside)}
    arguments = [argument.format(**places) for argument in arguments]
    expected = expected.format(**places)
    before = snapshot(ws)
    commits = commit_count(ws)

    if arguments[0] == "-w":
        result = run(None, *arguments)
    else:
        result = run(ws, *arguments)

    assert result.exit_code != 0
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert "Internal error" not in result.stderr
    assert snapshot(ws) == before
    assert commit_count(ws) == commits
    assert uncommitted(ws) == ""
    assert list(outside.iterdir()) == []


def command_paths(command: click.Command, prefix: str = "") -> list[str]:
    """Return the full names of the runnable commands under ``command``, such as 'view save'."""
    if not isinstance(command, click.Group):
        return [prefix]
    paths = []
    for name, sub in command.commands.items():
        paths += command_paths(sub, f"{prefix} {name}".strip())
    return paths


def test_every_command_has_cases():
    activate("en")
    commands = command_paths(typer.main.get_command(build_app()))

    missing = sorted(set(commands) - {command for command, _arguments, _expected in CASES})

    assert missing == []
