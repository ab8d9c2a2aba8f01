"""The ``pandai`` command: language selection, the Typer app, and error reporting.

The language must be known before the commands are built, because their help texts are
translated when they are registered. :func:`run` therefore finds the workspace named by
``--workspace`` (or ``PANDAI_WORKSPACE``, or the current folder), activates its language, builds
the app and runs it, turning every PandaiError into ``Error: …`` on stderr and its exit status.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Optional, Sequence

import click
import typer
from typing import Annotated

from pandai import __version__
from pandai.cli.common import State, state, warn
from pandai.errors import ExitStatus, PandaiError
from pandai.i18n import _, activate, choose_language
from pandai.workspace import language_of

# Newer Typer releases (0.29 was checked) run on their own copy of click, typer._click, whose
# usage errors, exits and aborts are not click's classes. Both kinds are caught.
_USAGE_ERRORS = (click.ClickException, getattr(typer, "TyperException", click.ClickException))
_EXITS = (click.exceptions.Exit, typer.Exit)
_ABORTS = (click.exceptions.Abort, typer.Abort)


def _workspace_argument(argv: Sequence[str]) -> Path | None:
    """Return the value of ``-w``/``--workspace`` in ``argv`` before click parses it."""
    for index, argument in enumerate(argv):
        if argument in ("-w", "--workspace") and index + 1 < len(argv):
            return Path(argv[index + 1])
        if argument.startswith("--workspace="):
            return Path(argument.split("=", 1)[1])
    return None


def _version_callback(value: bool) -> None:
    if value:
        click.echo(f"pandai {__version__}")
        raise typer.Exit()


# The module that registers each command. Running one command builds only its module, because
# building every command's options costs more time than the imports of a run.
COMMAND_MODULES = {
    "init": "setup", "team": "setup",
    "add": "clients", "show": "clients", "edit": "clients", "list": "clients",
    "search": "clients", "status": "clients", "note": "clients", "annotate": "clients",
    "view": "views", "import": "importing",
    "archive": "housekeeping", "unarchive": "housekeeping", "reassign": "housekeeping",
    "attach": "housekeeping", "files": "housekeeping", "undo": "housekeeping",
    "export": "exchange", "duplicates": "exchange", "merge": "exchange",
    "report": "reports",
    "remind": "followups", "email": "followups", "call": "followups",
    "mentions": "followups", "reactivate": "followups",
    "history": "activity", "doctor": "activity",
    "sync": "sync", "merge-file": "sync",
}
MODULES = ("setup", "clients", "views", "importing", "housekeeping", "exchange", "reports",
           "followups", "activity", "sync")
# Global options that take a value, skipped when looking for the command name.
_VALUE_OPTIONS = ("-w", "--workspace", "--color")


def requested_modules(argv: Sequence[str]) -> tuple[str, ...]:
    """Return the command modules a run needs: the command's own, or all for help and completion."""
    if any(name.endswith("_COMPLETE") for name in os.environ):
        return MODULES
    skip = False
    for argument in argv:
        if skip:
            skip = False
        elif argument in _VALUE_OPTIONS:
            skip = True
        elif not argument.startswith("-"):
            module = COMMAND_MODULES.get(argument)
            return (module,) if module else MODULES
    return MODULES


def build_app(modules: Sequence[str] = MODULES) -> typer.Typer:
    """Build the Typer app with the commands of ``modules``, help texts in the active language."""
    app = typer.Typer(
        help=_("Pandai: a command-line CRM. Each client is a YAML file in a git repository."),
        no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]})

    @app.callback()
    def main_options(
            ctx: typer.Context,
            workspace: Annotated[Optional[Path], typer.Option(
                "--workspace", "-w", help=_("The workspace folder; otherwise PANDAI_WORKSPACE "
                                            "or the nearest folder with pandai.yaml."))] = None,
            color: Annotated[str, typer.Option(
                click_type=click.Choice(["auto", "always", "never"]),
                help=_("Colour output: auto (on a terminal without NO_COLOR), always or "
                       "never."))] = "auto",
            verbose: Annotated[bool, typer.Option(
                "--verbose", help=_("Log what pandai does to stderr."))] = False,
            debug: Annotated[bool, typer.Option(
                "--debug", help=_("Log details and show the traceback of internal errors."))
                             ] = False,
            version: Annotated[bool, typer.Option(
                "--version", callback=_version_callback, is_eager=True,
                help=_("Show the version and exit."))] = False) -> None:
        current = state(ctx)
        current.workspace_path = workspace
        current.color = color
        current.verbose = verbose
        current.debug = debug
        if verbose or debug:
            logging.basicConfig(level=logging.DEBUG if debug else logging.INFO,
                                format="%(levelname)s %(name)s: %(message)s")

    for name in modules:
        importlib.import_module(f"pandai.cli.{name}").register(app)
    return app


def _translate_completion_options(command: click.Command) -> None:
    # Typer adds these two options with fixed English help texts.
    texts = {"install_completion": _("Install completion for the current shell."),
             "show_completion": _("Show completion for the current shell, to copy it or "
                                  "customize the installation.")}
    for parameter in command.params:
        if parameter.name in texts and isinstance(parameter, click.Option):
            parameter.help = texts[parameter.name]


def run(argv: Sequence[str] | None = None) -> int:
    """Run pandai with ``argv`` and return its exit status instead of raising."""
    argv = list(sys.argv[1:] if argv is None else argv)
    activate(choose_language(language_of(_workspace_argument(argv))))
    current = State()
    try:
        command = typer.main.get_command(build_app(requested_modules(argv)))
        _translate_completion_options(command)
        result = command.main(args=argv, prog_name="pandai", standalone_mode=False,
                              obj=current)
        code = result if isinstance(result, int) else ExitStatus.OK
    except PandaiError as error:
        click.echo(_("Error: {message}").format(message=error.message), err=True)
        code = error.exit_status
    except _EXITS as exit_request:
        code = exit_request.exit_code
    except _USAGE_ERRORS as error:
        if hasattr(error, "show"):
            error.show()
        else:
            click.echo(_("Error: {message}").format(message=error.format_message()), err=True)
        code = error.exit_code
    except _ABORTS:
        click.echo(_("Aborted."), err=True)
        code = ExitStatus.NOT_CONFIRMED
    except KeyboardInterrupt:
        click.echo(_("Interrupted."), err=True)
        code = 130
    except BrokenPipeError:
        # The reader of a pipe (such as head) stopped early: not an error of pandai's.
        _silence_stdout()
        code = ExitStatus.OK
    except Exception as error:  # noqa: BLE001 - the last line of defence against tracebacks.
        if current.debug:
            traceback.print_exc()
        click.echo(_("Internal error: {kind}: {message}. Nothing more was changed. Run the "
                     "command again with --debug and report the output.").format(
                         kind=type(error).__name__, message=error), err=True)
        code = ExitStatus.ERROR
    for workspace in current.opened:
        for message in dict.fromkeys(workspace.warnings):
            warn(message)
    return int(code)


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class Entry(click.Command):
    """A click command that runs :func:`run`, so that click's test runner can invoke pandai."""

    def __init__(self) -> None:
        super().__init__("pandai")

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra) -> int:
        code = run(args)
        if standalone_mode:
            sys.exit(code)
        return code


def main() -> None:
    """Console entry point."""
    sys.exit(run())
