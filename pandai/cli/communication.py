"""Commands that contact a client and log it: ``email`` and ``call``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

import typer
from typing import Annotated

from pandai import fields as fieldtypes
from pandai import followups, mail, query, store
from pandai.cli import completion
from pandai.cli.clients import report_outcome
from pandai.cli.common import ask, confirm, echo, is_terminal, open_workspace, warn
from pandai.cli.editor import editor_command
from pandai.client import Client
from pandai.errors import InvalidInput, MailError
from pandai.i18n import _, ngettext
from pandai.workspace import Workspace

_COMMENT_PREFIX = "# pandai: "


# E-mail

def _write_in_editor(workspace: Workspace, subject: str | None) -> tuple[str, str]:
    """Let the user write the e-mail in $EDITOR; return (subject, body)."""
    if not is_terminal() and not (os.environ.get("VISUAL") or os.environ.get("EDITOR")):
        raise InvalidInput(_("No text for the e-mail: give --body or --template, or run the "
                             "command on a terminal to write it in your editor."))
    guide = [_("Write the subject on the first line and the text after a blank line."),
             _("Lines starting with '# pandai:' are left out; an empty text cancels the "
               "e-mail.")]
    initial = "".join(f"{_COMMENT_PREFIX}{line}\n" for line in guide)
    initial += _("Subject: {subject}").format(subject=subject or "") + "\n\n"

    workspace.state_dir.mkdir(exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="email.", suffix=".txt", dir=workspace.state_dir)
    path = Path(name)
    try:
        os.close(handle)
        path.write_text(initial, encoding="utf-8")
        command = [*editor_command(), str(path)]
        try:
            result = subprocess.run(command, check=False)
        except OSError as error:
            raise InvalidInput(_("Cannot start the editor {editor!r}: {reason}. Set EDITOR to "
                                 "an editor you have.").format(editor=command[0], reason=error)
                               ) from None
        if result.returncode != 0:
            raise InvalidInput(_("The editor {editor!r} exited with status {status}; nothing "
                                 "was sent.").format(editor=command[0], status=result.returncode))
        text = "".join(line for line in path.read_text(encoding="utf-8").splitlines(True)
                       if not line.startswith(_COMMENT_PREFIX))
    finally:
        path.unlink(missing_ok=True)
    written_subject, body = followups.split_subject(text)
    return written_subject or subject or "", body


def _view_clients(workspace: Workspace, name: str) -> list[Client]:
    saved = workspace.views.get(name)
    if saved is None:
        raise InvalidInput(_("No view called {name!r}. Saved views: {views}.").format(
            name=name, views=", ".join(workspace.views) or "-"))
    filters = [query.parse_filter(workspace, text) for text in saved.filters]
    clients = store.load_clients(workspace, filters=filters).clients
    return query.sort_clients(workspace, clients, saved.sort or "name,id")


def _confirm_view(clients: list[Client], missing: list[Client], view: str, yes: bool) -> bool:
    if missing:
        echo(ngettext("{count} client of the view has no e-mail address and is skipped:",
                      "{count} clients of the view have no e-mail address and are skipped:",
                      len(missing)).format(count=len(missing)))
        for client in missing:
            echo(f"  {client.id}  {client.name}")
    return confirm(ngettext("Send the e-mail to {count} client of view {view}?",
                            "Send the e-mail to {count} clients of view {view}?",
                            len(clients)).format(count=len(clients), view=view), yes)


def _report_deliveries(deliveries: list[mail.Delivery], sent: list[followups.Draft],
                       committed_message: str) -> None:
    if sent:
        echo(committed_message)
    failed = [delivery for delivery in deliveries if not delivery.ok]
    for delivery in failed:
        echo(_("Not sent: {recipient}: {reason}").format(recipient=delivery.recipient,
                                                          reason=delivery.error), err=True)
    if failed:
        raise MailError(ngettext("{count} e-mail could not be sent.",
                                 "{count} e-mails could not be sent.", len(failed)).format(
            count=len(failed)))


# Calls

def desktop_opener() -> str | None:
    """Return the program that opens links on this desktop, or None on a headless machine."""
    if sys.platform == "darwin":
        program, desktop = "open", not os.environ.get("SSH_CONNECTION")
    elif sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        program = "xdg-open"
        desktop = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    else:
        return None
    return shutil.which(program) if desktop else None


def open_link(link: str) -> bool:
    """Hand a link to the desktop's handler without waiting for it; return True when started."""
    program = desktop_opener()
    if program is None:
        return False
    try:
        subprocess.Popen([program, link], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as error:
        warn(_("Cannot open {link} with {program}: {reason}").format(
            link=link, program=program, reason=error))
        return False
    return True


def register(app: typer.Typer) -> None:
    """Add ``email`` and ``call`` to ``app``."""

    @app.command("email", help=_(
        "Send an e-mail to a client, or to every client of a view, and log it as a note. "
        "Without --body or --template the text is written in $EDITOR."))
    def email(ctx: typer.Context,
              client: Annotated[Optional[str], typer.Argument(
                  help=_("Client id or a unique search term; leave out with --view."),
                  autocompletion=completion.client_ids)] = None,
              subject: Annotated[Optional[str], typer.Option(
                  help=_("The subject; overrides the template's subject."))] = None,
              body: Annotated[Optional[str], typer.Option(help=_("The text of the e-mail."))
                              ] = None,
              template: Annotated[Optional[str], typer.Option(
                  help=_("A template of the workspace: templates/NAME.txt or .md, with "
                         "placeholders such as {first_name}."))] = None,
              view: Annotated[Optional[str], typer.Option(
                  "--view", "-v", help=_("Send to every client of this saved view that has an "
                                         "e-mail address."),
                  autocompletion=completion.view_names)] = None,
              dry_run: Annotated[bool, typer.Option(
                  "--dry-run", help=_("Print the message instead of sending it."))] = False,
              yes: Annotated[bool, typer.Option(
                  "--yes", "-y", help=_("Send without asking for confirmation."))] = False
              ) -> None:
        if (client is None) == (view is None):
            raise InvalidInput(_("Give either a client or --view."))
        if body is not None and template is not None:
            raise InvalidInput(_("Give either --body or --template, not both."))
        workspace = open_workspace(ctx)

        if view is not None:
            chosen = _view_clients(workspace, view)
            missing = [item for item in chosen if not item.get("email")]
            chosen = [item for item in chosen if item.get("email")]
            if not chosen:
                raise InvalidInput(_("No client of view {view} has an e-mail address.").format(
                    view=view))
        else:
            chosen, missing = [store.find_client(workspace, client)], []
        loaded = followups.load_template(workspace, template) if template else None
        for item in chosen:
            followups.require_email(item)
        if loaded is None and body is None:
            subject, body = _write_in_editor(workspace, subject)
        drafts = followups.compose(workspace, chosen, subject, body, loaded)

        current = workspace.member(workspace.current_user)
        reply_to = mail.member_address(current.name, current.email) if current else ""
        settings = mail.load_settings(workspace, reply_to, require_server=not dry_run)
        messages = [mail.build_message(settings.sender, mail.member_address(
            draft.client.name, str(draft.client.get("email"))), draft.subject, draft.body,
            reply_to=reply_to) for draft in drafts]
        if dry_run:
            echo("\n\n".join(mail.show_message(message) for message in messages))
            return
        if view is not None:
            if not _confirm_view(chosen, missing, view, yes):
                echo(_("Nothing was sent."))
                return
        else:
            if is_terminal() and not yes:
                echo(mail.show_message(messages[0]))
                echo()
            if not confirm(_("Send this e-mail to {recipient}?").format(
                    recipient=messages[0]["To"]), yes):
                echo(_("Nothing was sent."))
                return

        deliveries = mail.send(settings, messages)
        sent = [draft for draft, delivery in zip(drafts, deliveries) if delivery.ok]
        if sent:
            message = f"email {sent[0].client.id}" if view is None \
                else f"email {len(sent)} client(s) of view {view}"
            followups.log_emails(workspace, sent, message)
        _report_deliveries(deliveries, sent, ngettext(
            "Sent the e-mail to {count} client and logged it as a note.",
            "Sent the e-mail to {count} clients and logged it as a note.", len(sent)).format(
            count=len(sent)))

    @app.command("call", help=_(
        "Show a client's phone number and its tel: link, open it on a desktop, and log the "
        "call (asking for a summary on a terminal)."))
    def call(ctx: typer.Context,
             client: Annotated[str, typer.Argument(
                 help=_("Client id or a unique search term."),
                 autocompletion=completion.client_ids)],
             note: Annotated[Optional[str], typer.Option(
                 help=_("Summary of the call; asked for on a terminal when left out."))] = None,
             next_action: Annotated[Optional[str], typer.Option(
                 "--next", help=_("Set the next action date: 2026-12-05, holnap, +7d…"))
                                    ] = None,
             no_open: Annotated[bool, typer.Option(
                 "--no-open", help=_("Do not open the tel: link on the desktop."))] = False
             ) -> None:
        workspace = open_workspace(ctx)
        found = store.find_client(workspace, client)
        number = followups.phone_number(workspace, found)
        if next_action:
            # Checked before the call, so that a typo does not lose the summary afterwards.
            fieldtypes.from_input(workspace.fieldset.get("next_action"), next_action, workspace)

        echo(f"{found.name} ({found.id})")
        echo(_("National: {number}").format(number=number.national))
        echo(_("International: {number}").format(number=number.international))
        echo(number.tel_link)
        if not no_open and open_link(number.tel_link):
            echo(_("Opened the link with the desktop's phone handler."))
        if note is None and is_terminal():
            note = ask(_("Summary of the call (Enter for none)"))
        outcome = followups.log_call(workspace, found, note, next_action)
        report_outcome(outcome, _("Call logged for {id}.").format(id=outcome.client.id))
