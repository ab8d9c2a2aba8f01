"""The lazily built command line: a run builds only the command it runs.

Most tests compare the lazy top-level group with the group Typer builds from every command
module at once, so the summaries and module names in pandai/cli/lazy.py cannot drift from the
commands' own registration.
"""

from __future__ import annotations

import subprocess
import sys
from gettext import ngettext as click_ngettext
from pathlib import Path

import click
import pytest
import typer
from click.testing import CliRunner
from click.utils import make_default_short_help

from conftest import run
from pandai.cli.lazy import COMMANDS, build_command
from pandai.cli.main import MODULES, _translate_completion_options, build_app, build_group
from pandai.i18n import _, activate

LANGUAGES = ["en", "hu"]
VISIBLE = [name for name, entry in COMMANDS.items() if entry.summary is not None]


def eager_group(language: str) -> click.Group:
    """Build the top-level group with every command built, in ``language``."""
    activate(language)
    group = typer.main.get_command(build_app())
    _translate_completion_options(group)
    return group


def run_eager(language: str, *args: str, env: dict[str, str] | None = None):
    """Run the eagerly built group in-process, as click's test runner runs a command."""
    return CliRunner().invoke(eager_group(language), list(args), prog_name="pandai",
                              env={"PANDAI_LANG": language, **(env or {})})


def completion_env(line: str, shell: str = "zsh") -> dict[str, str]:
    """Return the environment in which ``shell`` requests the completions of ``line``."""
    words = line.split(" ")
    return {"_PANDAI_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line,
            "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}


# The table of commands


def test_table_order_matches_registration():
    assert list(eager_group("en").commands) == list(COMMANDS)


def test_table_modules_match_registration():
    wrong = []
    for module in MODULES:
        for name in typer.main.get_command(build_app((module,))).commands:
            if COMMANDS[name].module != module:
                wrong.append(f"{name}: {COMMANDS[name].module} != {module}")

    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_summaries_match_commands(language):
    activate(language)
    differing = []
    for name, entry in COMMANDS.items():
        command = build_command(name)
        if command.hidden != (entry.summary is None):
            differing.append(f"{name}: hidden is {command.hidden}")
            continue
        if entry.summary is None:
            continue
        # The listing cuts the summary to the terminal's width, so every width is compared.
        summary = _(entry.summary)
        for limit in range(1, len(command.help) + 2):
            if make_default_short_help(summary, limit) != command.get_short_help_str(limit):
                differing.append(f"{name}: differs when cut to {limit} characters")
                break

    assert differing == []


# Help texts


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_listing_matches_eager(language):
    expected = run_eager(language, "--help")
    result = run(None, "--help", lang=language)

    assert result.exit_code == 0
    assert expected.exit_code == 0
    assert result.stdout == expected.stdout


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_arguments_match_eager(language):
    expected = run_eager(language)
    result = run(None, lang=language)

    assert result.exit_code == expected.exit_code
    assert result.stdout == expected.stdout
    assert result.stderr == expected.stderr
    assert f"\n{_('Commands')}:\n" in result.output


@pytest.mark.parametrize("language", LANGUAGES)
def test_command_help_matches_eager(language):
    differing = []
    for name in COMMANDS:
        expected = run_eager(language, name, "--help")
        result = run(None, name, "--help", lang=language)
        if (result.exit_code, result.stdout) != (expected.exit_code, expected.stdout):
            differing.append(name)

    assert differing == []


def test_group_help_matches_eager():
    expected = run_eager("en", "team", "add", "--help")
    result = run(None, "team", "add", "--help")

    assert result.exit_code == 0
    assert result.stdout == expected.stdout


def test_help_builds_no_command():
    group = build_group()
    result = CliRunner().invoke(group, ["--help"], prog_name="pandai")

    assert result.exit_code == 0
    assert group.commands == {}


def test_command_builds_only_itself():
    group = build_group()
    result = CliRunner().invoke(group, ["list", "--help"], prog_name="pandai")

    assert result.exit_code == 0
    assert list(group.commands) == ["list"]


def test_help_imports_no_command_module():
    # A fresh process, because this one has imported every module already.
    heavy = [f"pandai.cli.{module}" for module in MODULES] + ["pandai.store",
                                                              "pandai.workspace", "yaml"]
    code = ("import sys\n"
            "from pandai.cli.main import run\n"
            "run(['--help'])\n"
            f"print([name for name in {heavy!r} if name in sys.modules], file=sys.stderr)\n")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True, cwd=Path(__file__).parent,
                               env={"PATH": "/usr/bin:/bin", "PANDAI_LANG": "en",
                                    "PYTHONPATH": str(Path(__file__).parents[1])})

    assert completed.stderr == "[]\n"
    assert "Commands:" in completed.stdout


# Unknown commands


def test_unknown_command_suggestion():
    result = run(None, "lsit")

    assert result.exit_code == 2
    assert result.stderr == ("Usage: pandai [OPTIONS] COMMAND [ARGS]...\n"
                             "Try 'pandai --help' for help.\n\n"
                             "Error: No such command 'lsit'. Did you mean 'list'?\n")


def test_unknown_command_hungarian():
    result = run(None, "lsit", lang="hu")
    # click's catalog entry is a plural form, and its formatting fills in both placeholders.
    suggestion = click_ngettext("Did you mean {possibility}?",
                                "(Did you mean one of: {possibilities}?)", 1).format(
                                    possibility="'list'", possibilities="'list'")
    message = _("No such command {name!r}.").format(name="lsit") + " " + suggestion

    assert result.exit_code == 2
    assert result.stderr.endswith(_("Error: {message}").format(message=message) + "\n")


@pytest.mark.parametrize(("group", "typo", "meant"), [("view", "lsit", "list"),
                                                      ("team", "ad", "add")])
def test_unknown_subcommand_one_suggestion(group: str, typo: str, meant: str):
    result = run(None, group, typo)

    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: No such command '{typo}'. Did you mean '{meant}'?\n")
    assert result.stderr.count("Did you mean") == 1


def test_unknown_subcommand_hungarian():
    result = run(None, "view", "lsit", lang="hu")

    assert result.exit_code == 2
    assert "Did you mean" not in result.stderr
    assert result.stderr.count("'list'") == 1


def test_unknown_command_without_match():
    result = run(None, "xyzzy")

    assert result.exit_code == 2
    assert result.stderr.endswith("Error: No such command 'xyzzy'.\n")


def test_hidden_command_not_suggested():
    result = run(None, "merge-fil")

    assert result.exit_code == 2
    assert result.stderr.endswith("Error: No such command 'merge-fil'. Did you mean 'merge'?\n")


def test_hidden_command_runs():
    result = run(None, "merge-file", "--help")

    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: pandai merge-file [OPTIONS] BASE OURS THEIRS")


# Shell completion


def test_completion_lists_all_commands():
    result = run(None, env=completion_env("pandai "))
    expected = run_eager("en", env=completion_env("pandai "))

    names = run(None, env=completion_env("pandai ", "bash")).stdout.splitlines()

    assert result.exit_code == 0
    assert result.stdout == expected.stdout
    assert names == VISIBLE


def test_completion_of_prefix():
    result = run(None, env=completion_env("pandai re", "bash"))

    assert result.stdout.splitlines() == ["reassign", "report", "remind", "reactivate"]


@pytest.mark.parametrize("line", ["pandai view ", "pandai list --view ", "pandai show ",
                                  "pandai team "])
def test_completion_matches_eager(demo, line):
    words = line.split(" ", 1)
    full_line = f"{words[0]} -w {demo} {words[1]}"
    result = run(None, env=completion_env(full_line))
    expected = run_eager("en", env=completion_env(full_line))

    assert result.exit_code == 0
    assert result.stdout
    assert result.stdout == expected.stdout


def test_completion_options_translated():
    result = run(None, "--help", lang="hu")

    assert _("Install completion for the current shell.") in " ".join(result.stdout.split())
    assert "Install completion" not in result.stdout
