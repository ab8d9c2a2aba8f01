"""Follow-up commands: ``remind``, ``mentions`` and ``reactivate``; ``email`` and ``call`` live in
:mod:`pandai.cli.communication` and are registered from here."""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Optional

import typer
from typing import Annotated

from pandai import digest, followups, mail, reminders, store
from pandai.cli import communication, completion, output
from pandai.cli.clients import report_outcome
from pandai.cli.common import echo, open_workspace, warn
from pandai.errors import InvalidInput, MailError
from pandai.i18n import _, format_date, ngettext
from pandai.parsing import parse_date
from pandai.workspace import Workspace

# Variables copied onto the crontab line when they are set: cron starts with an almost empty
# environment. PANDAI_SMTP_PASSWORD is deliberately absent, because crontabs are not secret.
CRON_VARIABLES = ("PANDAI_SMTP_HOST", "PANDAI_SMTP_PORT", "PANDAI_SMTP_SECURITY",
                  "PANDAI_SMTP_USER", "PANDAI_SMTP_FROM", "PANDAI_SMTP_PASSWORD_FILE")


def pandai_command() -> list[str]:
    """Return the absolute command that started this pandai, for a crontab line."""
    program = sys.argv[0] if sys.argv and sys.argv[0] else "pandai"
    if program.endswith("__main__.py") or program in ("-m", "-c"):
        return [sys.executable, "-m", "pandai"]
    if os.sep not in program:
        program = shutil.which(program) or program
    return [str(Path(program).resolve())]


def parse_day(workspace: Workspace, text: str, option: str):
    """Parse a date option; raise InvalidInput naming the option."""
    try:
        return parse_date(text, workspace.today)
    except ValueError as error:
        raise InvalidInput(_("Invalid {option}: {reason}").format(option=option, reason=error)
                           ) from None


def _warn_stale_heartbeat(workspace: Workspace) -> None:
    age = reminders.heartbeat_overdue(workspace)
    if age is None:
        return
    last = reminders.read_heartbeat(workspace)
    days = round(age / timedelta(days=1))
    warn(ngettext("the reminder last ran {days} day ago ({date}). Check that cron still runs "
                  "it; 'pandai remind --cron' prints the line to install.",
                  "the reminder last ran {days} days ago ({date}). Check that cron still runs "
                  "it; 'pandai remind --cron' prints the line to install.", days).format(
        days=days, date=format_date(last.date())))


def _print_cron_line(workspace: Workspace) -> None:
    environment = {name: os.environ[name] for name in CRON_VARIABLES if os.environ.get(name)}
    echo(reminders.crontab_line(workspace, pandai_command(), environment))
    if os.environ.get("PANDAI_SMTP_PASSWORD") and "PANDAI_SMTP_PASSWORD_FILE" not in environment:
        warn(_("the line leaves out PANDAI_SMTP_PASSWORD, because a crontab is not a place for "
               "secrets. Store the password in a file outside the workspace and set "
               "PANDAI_SMTP_PASSWORD_FILE to its path."))


def _send_digests(workspace: Workspace, run: reminders.Run) -> None:
    """E-mail each owner their digest; raise MailError when any could not be sent."""
    current = workspace.member(workspace.current_user)
    settings = mail.load_settings(
        workspace, mail.member_address(current.name, current.email) if current else "")
    messages, owners, failures = [], [], []
    for owner_digest in run.digests:
        if owner_digest.owner is None:
            warn(ngettext("{count} due item belongs to clients without an owner, so nobody gets "
                          "it by e-mail. List them with 'pandai list owner='.",
                          "{count} due items belong to clients without an owner, so nobody "
                          "gets them by e-mail. List them with 'pandai list owner='.",
                          owner_digest.count()).format(count=owner_digest.count()))
            continue
        if owner_digest.member is None or not owner_digest.member.email:
            failures.append(_("{owner}: no e-mail address in the team of pandai.yaml; add one "
                              "to send the reminders.").format(owner=owner_digest.owner))
            continue
        recipient = mail.member_address(owner_digest.member.name, owner_digest.member.email)
        messages.append(digest.digest_message(workspace, owner_digest, settings.sender, recipient))
        owners.append(owner_digest.owner)

    deliveries = mail.send(settings, messages)
    sent = [owner for owner, delivery in zip(owners, deliveries) if delivery.ok]
    failures += [_("{recipient}: {reason}").format(recipient=delivery.recipient,
                                                   reason=delivery.error)
                 for delivery in deliveries if not delivery.ok]
    if not run.what_if:
        reminders.mark_done(workspace, sent, run.run_at)
    if sys.stdout.isatty() and sent:
        echo(ngettext("Sent {count} reminder e-mail.", "Sent {count} reminder e-mails.",
                      len(sent)).format(count=len(sent)))
    for failure in failures:
        echo(_("Not sent: {failure}").format(failure=failure), err=True)
    if failures:
        raise MailError(ngettext("{count} reminder e-mail could not be sent.",
                                 "{count} reminder e-mails could not be sent.",
                                 len(failures)).format(count=len(failures)))


def _mention_record(mention: reminders.Mention) -> dict[str, str]:
    return {"client": mention.client.id, "name": mention.client.name,
            "at": mention.at.isoformat(), "by": mention.by, "kind": mention.kind,
            "mentioned": mention.member, "text": mention.text}


def register(app: typer.Typer) -> None:
    """Add ``remind``, ``mentions``, ``reactivate``, ``email`` and ``call`` to ``app``."""

    @app.command("remind", help=_(
        "Show your due follow-ups: overdue and today's next actions, lost clients to try "
        "again, inactive clients and new @mentions. Prints nothing when nothing is due, so "
        "cron mails only real news."))
    def remind(ctx: typer.Context,
               everyone: Annotated[bool, typer.Option(
                   "--all", help=_("Every owner's follow-ups, grouped by owner."))] = False,
               day: Annotated[Optional[str], typer.Option(
                   "--date", help=_("Act as if today were this day, such as 2026-12-05 or "
                                    "+7d."))] = None,
               send_email: Annotated[bool, typer.Option(
                   "--email", help=_("Send each owner their list by e-mail (SMTP settings: "
                                     "the mail section of pandai.yaml and PANDAI_SMTP_*)."))
               ] = False,
               cron: Annotated[bool, typer.Option(
                   "--cron", help=_("Print the crontab line that e-mails every owner's list "
                                    "on weekday mornings, and exit."))] = False,
               output_format: Annotated[str, typer.Option(
                   "--format", "-f", help=_("Output format: text or json."))] = "text"
               ) -> None:
        workspace = open_workspace(ctx)
        output.check_format(output_format, ("text", "json"))
        if cron:
            _print_cron_line(workspace)
            return
        _warn_stale_heartbeat(workspace)
        today = parse_day(workspace, day, "--date") if day else workspace.today
        user = None if everyone else workspace.require_user()
        run = reminders.collect(workspace, user, today, what_if=day is not None)
        reminders.record_heartbeat(workspace, run.run_at)
        for problem in run.problems:
            warn(problem.message)

        if send_email:
            _send_digests(workspace, run)
            return
        if output_format == "json":
            echo(json.dumps([digest.digest_record(workspace, owner_digest)
                             for owner_digest in run.digests], ensure_ascii=False, indent=2))
        elif run.digests:
            echo(digest.render_text(workspace, run.digests))
        if not run.what_if and workspace.current_user:
            reminders.mark_done(workspace, [workspace.current_user], run.run_at)

    @app.command("mentions", help=_("List the notes that mention you with @name, newest "
                                   "first."))
    def list_mentions(
            ctx: typer.Context,
            everyone: Annotated[bool, typer.Option(
                "--all", help=_("The mentions of every team member."))] = False,
            since: Annotated[Optional[str], typer.Option(
                "--since", help=_("Only notes from this day on, such as -7d or 2026-12-01."))
                             ] = None,
            output_format: Annotated[str, typer.Option(
                "--format", "-f", help=_("Output format: text or json."))] = "text") -> None:
        workspace = open_workspace(ctx)
        output.check_format(output_format, ("text", "json"))
        user = None if everyone else workspace.require_user()
        start = None
        if since:
            start = datetime.combine(parse_day(workspace, since, "--since"), time()).astimezone()
        clients = store.load_clients(workspace).clients
        found = [mention for mention in reminders.find_mentions(workspace, clients, since=start)
                 if user is None or mention.member == user]
        if output_format == "json":
            echo(json.dumps([_mention_record(mention) for mention in found],
                            ensure_ascii=False, indent=2))
            return
        if not found:
            echo(_("No notes mention you.") if user else _("No notes mention anyone."))
            return
        for mention in found:
            header = digest.mention_header(mention)
            echo(f"{header} → @{mention.member}" if everyone else header)
            for line in mention.text.splitlines():
                echo(f"    {line}")

    @app.command("reactivate", help=_("Move a lost or inactive client back to an open status, "
                                     "with the reason in its history and notes."))
    def reactivate(ctx: typer.Context,
                   client: Annotated[str, typer.Argument(
                       help=_("Client id or a unique search term."),
                       autocompletion=completion.client_ids)],
                   status: Annotated[Optional[str], typer.Option(
                       help=_("The new status; the first open status by default."),
                       autocompletion=completion.statuses)] = None,
                   reason: Annotated[Optional[str], typer.Option(
                       help=_("Why the client is back."))] = None) -> None:
        workspace = open_workspace(ctx)
        outcome = followups.reactivate(workspace, client, status, reason)
        report_outcome(outcome, _("{id}: status is now {status}.").format(
            id=outcome.client.id, status=outcome.client.get("status")))

    communication.register(app)
