"""Hungarian and English: choosing the language, translated texts, and local formats.

The expected Hungarian texts are looked up in the compiled catalog, so these tests check that
pandai shows the catalog's translation, not the wording of any one translation.
"""

from __future__ import annotations

import gettext
import re

import click
import pytest
import typer

from conftest import run
from pandai.catalogs import missing_translations, stale_mo
from pandai.cli.main import build_app
from pandai.i18n import LOCALE_DIR, activate

NOT_FOUND = "No client matches {term!r}. List clients with 'pandai list' or 'pandai search TEXT'."
LIST_HELP = ("List clients: the client table, with filters, saved views, sorting and several "
             "output formats.")
OUTSIDE = ("Not inside a Pandai workspace: no pandai.yaml in {path} or any folder above it. "
           "Create one with 'pandai init', or point to one with --workspace or "
           "PANDAI_WORKSPACE.")


def hu(message: str) -> str:
    """Return the Hungarian catalog's translation of ``message``."""
    catalog = gettext.translation("pandai", localedir=str(LOCALE_DIR), languages=["hu"])
    return catalog.gettext(message)


def hungarian_error(message: str, **values: str) -> str:
    return hu("Error: {message}").format(message=hu(message).format(**values)) + "\n"


def english_error(message: str, **values: str) -> str:
    return "Error: " + message.format(**values) + "\n"


def flat(text: str) -> str:
    """Join the lines click wrapped, so that a sentence can be found in help output."""
    return " ".join(text.split())


@pytest.fixture
def hungarian(tmp_path):
    """A workspace made with ``init --lang hu``: its language setting is hu."""
    target = tmp_path / "hu"
    assert run(None, "init", target, "--lang", "hu").exit_code == 0
    return target


# Choosing the language


def test_hungarian_help(workspace):
    result = run(workspace, "list", "--help", lang="hu")

    assert result.exit_code == 0
    assert hu(LIST_HELP) != LIST_HELP
    assert flat(hu(LIST_HELP)) in flat(result.stdout)
    assert result.stdout.startswith(hu("Usage:") + " pandai list ")


def test_hungarian_main_help(workspace):
    result = run(workspace, "--help", lang="hu")

    assert hu("Commands") != "Commands"
    assert f"\n{hu('Commands')}:\n" in result.stdout
    assert hu("Show this message and exit.") in flat(result.stdout)


def test_hungarian_error(workspace):
    result = run(workspace, "show", "nobody", lang="hu")

    assert result.exit_code == 3
    assert hu(NOT_FOUND) != NOT_FOUND
    assert result.stderr == hungarian_error(NOT_FOUND, term="nobody")


def test_hungarian_usage_error(workspace):
    result = run(workspace, "show", lang="hu")

    assert result.exit_code == 2
    assert result.stderr.startswith(hu("Usage:") + " pandai show ")


def test_workspace_english(workspace):
    result = run(workspace, "show", "nobody", lang=None)

    assert result.stderr == english_error(NOT_FOUND, term="nobody")


def test_workspace_hungarian(hungarian):
    result = run(hungarian, "show", "nobody", lang=None)

    assert result.stderr == hungarian_error(NOT_FOUND, term="nobody")


def test_env_overrides_workspace_hu(hungarian):
    result = run(hungarian, "show", "nobody", lang="en")

    assert result.stderr == english_error(NOT_FOUND, term="nobody")


def test_env_overrides_workspace_en(workspace):
    result = run(workspace, "show", "nobody", lang="hu")

    assert result.stderr == hungarian_error(NOT_FOUND, term="nobody")


def test_workspace_found_by_environment(hungarian):
    result = run(None, "show", "nobody", lang=None, env={"PANDAI_WORKSPACE": str(hungarian)})

    assert result.stderr == hungarian_error(NOT_FOUND, term="nobody")


@pytest.mark.parametrize("variables, language", [
    ({"LANG": "hu_HU.UTF-8"}, "hu"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "hu_HU.UTF-8", "LANG": "en_US.UTF-8"}, "hu"),
    ({"LC_MESSAGES": "hu_HU", "LANG": "de_DE.UTF-8"}, "hu"),
])
def test_outside_workspace_locale(tmp_path, monkeypatch, variables, language):
    monkeypatch.chdir(tmp_path)

    result = run(None, "list", lang=None, env=variables)

    path = str(tmp_path.resolve())
    expected = hungarian_error(OUTSIDE, path=path) if language == "hu" else \
        english_error(OUTSIDE, path=path)
    assert result.exit_code == 3
    assert result.stderr == expected


# Dates and money


@pytest.fixture
def client(workspace):
    result = run(workspace, "add", "Kiss Péter", "--value", "1,5M", "--next", "2026.12.05.",
                 "--company", "Példa Kft.")
    assert result.exit_code == 0
    return workspace


def table_row(output: str) -> list[str]:
    """Return the cells of the first data row of a table."""
    return re.split(r" {2,}", output.splitlines()[2].strip())


def test_hungarian_table_formats(client):
    result = run(client, "list", "--columns", "name,next_action,value", lang="hu")

    assert table_row(result.stdout) == ["Kiss Péter", "2026. 12. 05.",
                                        "1\u00a0500\u00a0000 Ft"]
    assert result.stdout.splitlines()[-1] == hu("{count} client").format(count=1)


def test_english_table_formats(client):
    result = run(client, "list", "--columns", "name,next_action,value", lang="en")

    assert table_row(result.stdout) == ["Kiss Péter", "Dec 5, 2026", "HUF1,500,000"]
    assert result.stdout.splitlines()[-1] == "1 client"


def test_hungarian_profile(client):
    result = run(client, "show", "kiss-peter", lang="hu")

    assert f"{hu('Value')}:" in result.stdout
    assert "1\u00a0500\u00a0000 Ft\n" in result.stdout
    assert "2026. 12. 05.\n" in result.stdout
    assert "2026. 12. 04." in result.stdout


def test_english_profile(client):
    result = run(client, "show", "kiss-peter", lang="en")

    assert "Value:       HUF1,500,000\n" in result.stdout
    assert "Next action: Dec 5, 2026\n" in result.stdout


def test_files_keep_iso_and_plain(client):
    run(client, "edit", "kiss-peter", "érték=2 500 000 Ft", "next_action=2026. 12. 07.",
        lang="hu")

    text = (client / "clients" / "kiss-peter.yaml").read_text(encoding="utf-8")

    assert "value: 2500000\n" in text
    assert "next_action: 2026-12-07\n" in text


def test_json_not_localized(client):
    result = run(client, "show", "kiss-peter", "--format", "json", lang="hu")

    assert '"value": 1500000' in result.stdout
    assert '"next_action": "2026-12-05"' in result.stdout


# Catalogs and help texts


def test_every_message_translated():
    assert missing_translations("hu") == []
    assert not stale_mo("hu")


def all_commands(command: click.Command, path: str = "pandai"):
    """Yield (path, command) for ``command`` and every command below it."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from all_commands(sub, f"{path} {name}")


@pytest.mark.parametrize("language", ["en", "hu"])
def test_help_everywhere(language):
    activate(language)
    root = typer.main.get_command(build_app())

    without_help = []
    for path, command in all_commands(root):
        if not (command.help or "").strip():
            without_help.append(path)
        for parameter in command.params:
            if not (getattr(parameter, "help", None) or "").strip():
                without_help.append(f"{path} {parameter.name}")

    assert without_help == []


@pytest.mark.parametrize("address, english, hungarian", [
    ("kiss@@pelda.hu", "the part after the @ sign contains invalid characters: '@'",
     "a @ jel utáni rész érvénytelen karaktereket tartalmaz: '@'"),
    ("kiss.pelda.hu", "the @ sign is missing", "hiányzik a @ jel"),
    ("kiss.@pelda.hu", "a period comes right before the @ sign",
     "közvetlenül a @ jel előtt pont áll"),
    ("kiss@pelda", "the part after the @ sign has no period", "a @ jel utáni részben nincs pont"),
])
def test_email_reason_translated(workspace, address, english, hungarian):
    in_english = run(workspace, "add", "Kiss Péter", "--email", address)
    in_hungarian = run(workspace, "add", "Kiss Péter", "--email", address, lang="hu")

    assert in_english.exit_code == 4
    assert f"not a valid e-mail address ({english})" in in_english.stderr
    assert in_hungarian.exit_code == 4
    assert f"nem érvényes e-mail-cím ({hungarian})" in in_hungarian.stderr


def test_email_reason_not_listed(workspace):
    # email-validator's English reason is shown in English and left out in Hungarian.
    in_english = run(workspace, "add", "Kiss Péter", "--email", "kiss@[192.0.2.1]")
    in_hungarian = run(workspace, "add", "Kiss Péter", "--email", "kiss@[192.0.2.1]", lang="hu")

    assert "(A bracketed IP address after the @-sign is not allowed here.)" in in_english.stderr
    assert "nem érvényes e-mail-cím" in in_hungarian.stderr
    assert "bracketed" not in in_hungarian.stderr
