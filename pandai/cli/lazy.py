"""The top-level command group, which imports and builds a command only when a run needs it.

Typer turns a command into a click command by inspecting every parameter of its function. For
all of pandai's commands that takes longer than the rest of a short run, so :class:`LazyGroup`
builds nothing in advance. It takes each command's name, module and one-line summary from
:data:`COMMANDS`. ``pandai --help`` and the completion of command names build no command, and
``pandai list ...`` builds ``list`` only.
"""

from __future__ import annotations

import gettext
import importlib
from typing import Any, NamedTuple

import click
import typer
from click.utils import make_default_short_help
from typer.core import TyperGroup

from pandai.i18n import N_, _

# Typer settings of every app pandai builds: plain click help (no rich markup) and Python's
# own tracebacks. A command built alone must get the same settings as in the full app.
APP_SETTINGS = {"rich_markup_mode": None, "pretty_exceptions_enable": False}


class CommandEntry(NamedTuple):
    """A top-level command: the module in pandai/cli/ that registers it, and its summary."""

    module: str
    # The command's help up to the end of its first sentence, where click cuts it for the
    # command listing; None for a hidden command. tests/test_lazy.py checks that it gives the
    # same listing as the built command.
    summary: str | None


# Every top-level command, in the order of the listing of ``pandai --help``.
COMMANDS = {
    "init": CommandEntry("setup", N_(
        "Create a workspace: settings, statuses, views, a git repository and its first "
        "commit.")),
    "add": CommandEntry("clients", N_("Add a new client.")),
    "show": CommandEntry("clients", N_(
        "Show a client's profile: fields, notes (newest first), files and status history.")),
    "edit": CommandEntry("clients", N_(
        "Change fields with FIELD=VALUE; with no assignments, open the file in $EDITOR and "
        "re-open it while it is invalid.")),
    "list": CommandEntry("clients", N_(
        "List clients: the client table, with filters, saved views, sorting and several output "
        "formats.")),
    "search": CommandEntry("clients", N_(
        "Search names, companies and e-mails, ignoring case and accents (kovacs finds "
        "Kovács).")),
    "status": CommandEntry("clients", N_(
        "Move a client to another status; the step is recorded in status_history.")),
    "note": CommandEntry("clients", N_(
        "Add a note to a client; --call, --email or --meeting also set the last contact to "
        "today.")),
    "annotate": CommandEntry("clients", N_("Same as note.")),
    "import": CommandEntry("importing", N_(
        "Import clients from CSV, TXT, XLSX, vCard (.vcf) or JSON: shows a preview, then "
        "writes all rows or none, in one commit.")),
    "archive": CommandEntry("housekeeping", N_(
        "Move clients to archive/, where lists hide them.")),
    "unarchive": CommandEntry("housekeeping", N_(
        "Move an archived client back to the client list.")),
    "reassign": CommandEntry("housekeeping", N_(
        "Hand the clients of one owner to another team member, or share them out among "
        "several in turn.")),
    "attach": CommandEntry("housekeeping", N_(
        "Copy a file into files/<id>/ and add it to the client's files.")),
    "files": CommandEntry("housekeeping", N_(
        "List a client's attachments with their sizes, or open one.")),
    "undo": CommandEntry("housekeeping", N_(
        "Revert the last pandai change with a new git commit, so the undo is in the history "
        "too.")),
    "export": CommandEntry("exchange", N_(
        "Export clients for Excel (csv, xlsx), other programs (json), phones (vcf) or "
        "calendars (ics).")),
    "duplicates": CommandEntry("exchange", N_(
        "List likely duplicate clients (same e-mail, same phone, or similar name and "
        "company), or mark a pair as not duplicates with --not.")),
    "merge": CommandEntry("exchange", N_(
        "Merge the second client into the first, keeping every note, status change and file; "
        "the second client's file is removed.")),
    "report": CommandEntry("reports", N_(
        "Sales figures with charts: pipeline value per status and owner, conversion rate, "
        "average value, new leads per period, source effectiveness, owners and the funnel.")),
    "remind": CommandEntry("followups", N_(
        "Show your due follow-ups: overdue and today's next actions, lost clients to try "
        "again, inactive clients and new @mentions.")),
    "mentions": CommandEntry("followups", N_(
        "List the notes that mention you with @name, newest first.")),
    "reactivate": CommandEntry("followups", N_(
        "Move a lost or inactive client back to an open status, with the reason in its "
        "history and notes.")),
    "email": CommandEntry("followups", N_(
        "Send an e-mail to a client, or to every client of a view, and log it as a note.")),
    "call": CommandEntry("followups", N_(
        "Show a client's phone number and its tel: link, open it on a desktop, and log the "
        "call (asking for a summary on a terminal).")),
    "history": CommandEntry("activity", N_(
        "Show the activity log from git: who changed what and when.")),
    "doctor": CommandEntry("activity", N_(
        "Check the data: unreadable files, unknown statuses and owners, invalid e-mails and "
        "phones, duplicates, forgotten clients and more.")),
    "sync": CommandEntry("sync", N_(
        "Commit hand edits, pull and merge the team's changes, and push yours.")),
    "merge-file": CommandEntry("sync", None),
    "team": CommandEntry("setup", N_("The people who own clients.")),
    "view": CommandEntry("views", N_("Saved views: named filters with sorting and columns.")),
}


def build_command(name: str) -> click.Command:
    """Import the module of the top-level command ``name`` and build that command alone."""
    module = importlib.import_module(f"pandai.cli.{COMMANDS[name].module}")
    app = typer.Typer(add_completion=False, **APP_SETTINGS)
    module.register(app)

    # Typer converts every command an app has registered, so the others are dropped first.
    # The empty callback makes Typer return a group even for a single command.
    app.registered_commands = [
        info for info in app.registered_commands
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name]
    app.registered_groups = [info for info in app.registered_groups if info.name == name]
    app.callback()(_no_options)
    return typer.main.get_command(app).commands[name]


def _no_options() -> None:
    pass


# NOTE: click before 8.4 has no NoSuchCommand and suggests no command name. With such a click
# the error passes through unchanged, so it carries no suggestion.
_NoSuchCommand = getattr(click.exceptions, "NoSuchCommand", ())


class SubcommandGroup(TyperGroup):
    """A command group such as ``view`` or ``team``, with click's one command suggestion."""

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        # TyperGroup's adds a second, untranslated "Did you mean" to click's translated one.
        return click.Group.resolve_command(self, ctx, args)


class Interrupted(Exception):
    """Ctrl-C during a command, carried past Typer, which would turn it into a silent exit."""


class LazyGroup(TyperGroup):
    """A Typer group whose commands are built on first use, from :data:`COMMANDS`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(build_command(cmd_name), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own listing builds every command to read its help. The summaries give the
        # same rows, because the same click function cuts them to the same width.
        rows = _visible_summaries()
        limit = formatter.width - 6 - max(len(name) for name, _summary in rows)
        # click translates this title through the global gettext domain, as here.
        with formatter.section(gettext.gettext("Commands")):
            formatter.write_dl([(name, make_default_short_help(summary, limit).strip())
                                for name, summary in rows])

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list:
        from click.shell_completion import CompletionItem

        # The same items as click's group completion, with the help taken from the summary.
        # 45 characters is the default limit of click's Command.get_short_help_str.
        items = [CompletionItem(name, help=make_default_short_help(summary, 45).strip())
                 for name, summary in _visible_summaries() if name.startswith(incomplete)]
        items.extend(click.Command.shell_complete(self, ctx, incomplete))
        return items

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        # click's own, because TyperGroup's adds a second "Did you mean" to click's.
        try:
            return click.Group.resolve_command(self, ctx, args)
        except _NoSuchCommand as error:
            # click suggests names from the commands built so far, which here are few or none.
            names = [name for name, _summary in _visible_summaries()]
            raise _NoSuchCommand(error.command_name, possibilities=names, ctx=ctx) from None


def _visible_summaries() -> list[tuple[str, str]]:
    """Return (name, translated summary) of every command that is not hidden."""
    return [(name, _(entry.summary)) for name, entry in COMMANDS.items()
            if entry.summary is not None]
