"""The ``pandai`` command: language selection, the Typer app, and error reporting.

The language must be known before the commands are built, because their help texts are
translated when they are registered. :func:`run` therefore finds the workspace named by
``--workspace`` (or ``PANDAI_WORKSPACE``, or the current folder), activates its language, builds
the top-level group and runs it, turning every PandaiError into ``Error: …`` on stderr and its
exit status. The group builds a command only when the run needs it (see :mod:`pandai.cli.lazy`).
"""

from __future__ import annotations

import importlib
import logging
import sys
import traceback
from pathlib import Path
from typing import Optional, Sequence

import click
import typer
from typer.core import TyperGroup
from typing import Annotated

from pandai import __version__
from pandai.cli.common import State, state, warn
from pandai.cli.lazy import APP_SETTINGS, Interrupted, LazyGroup
from pandai.errors import ExitStatus, PandaiError
from pandai.i18n import _, activate, choose_language
from pandai.workspace_root import language_of

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


# The modules of pandai/cli/ that register commands, in the order of the command listing.
MODULES = ("setup", "clients", "views", "importing", "housekeeping", "exchange", "reports",
           "followups", "activity", "sync")


def build_app(modules: Sequence[str] = MODULES,
              group_class: type[TyperGroup] | None = None) -> typer.Typer:
    """Build the Typer app with the commands of ``modules``, help texts in the active language.

    ``group_class`` is the click group class Typer builds the top level with.
    """
    app = typer.Typer(
        cls=group_class,
        help=_("Pandai: a command-line CRM. Each client is a YAML file in a git repository."),
        no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]},
        **APP_SETTINGS)

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
            no_pager: Annotated[bool, typer.Option(
                "--no-pager", help=_("Print long tables at once instead of through a pager "
                                     "(PANDAI_PAGER, else PAGER, else less)."))] = False,
            version: Annotated[bool, typer.Option(
                "--version", callback=_version_callback, is_eager=True,
                help=_("Show the version and exit."))] = False) -> None:
        current = state(ctx)
        current.workspace_path = workspace
        current.color = color
        current.verbose = verbose
        current.debug = debug
        current.pager = not no_pager
        if verbose or debug:
            logging.basicConfig(level=logging.DEBUG if debug else logging.INFO,
                                format="%(levelname)s %(name)s: %(message)s")

    for name in modules:
        importlib.import_module(f"pandai.cli.{name}").register(app)
    return app


def build_group() -> click.Group:
    """Build the top-level group of ``pandai``, which builds each command on first use."""
    group = typer.main.get_command(build_app((), LazyGroup))
    _translate_completion_options(group)
    return group


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
        result = build_group().main(args=argv, prog_name="pandai", standalone_mode=False,
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
    except (KeyboardInterrupt, Interrupted):
        _report_interrupt(current)
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


def _report_interrupt(current: State) -> None:
    """Print that the command was interrupted, and whether its change is still to be done."""
    from pandai import journal

    if sys.stderr.isatty():
        # The terminal shows ^C after a row counter or a prompt, on the same line.
        click.echo("", err=True)
    click.echo(_("Interrupted."), err=True)
    for workspace in current.opened:
        document = journal.read_journal(workspace.root)
        if document is not None:
            # The journal was written, so the change goes ahead when the next command runs.
            warn(_("The change {change!r} was already being saved, so the next pandai command "
                   "completes it.").format(change=document.get("message", "")))


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
