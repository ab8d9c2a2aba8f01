"""The ``history`` command (the activity log from git) and ``doctor`` (the data-quality report)."""

from __future__ import annotations

import json
from typing import Any, Optional

import typer
from typing import Annotated

from pandai import doctor as checks
from pandai import fields as fieldtypes
from pandai import history, hooks
from pandai.cli import completion, output
from pandai.cli.common import echo, open_workspace
from pandai.errors import ExitStatus, InvalidInput
from pandai.i18n import _, format_date, ngettext
from pandai.workspace import Workspace

# Notes in the log show the start of their first line, at most this many characters.
NOTE_PREVIEW_CHARS = 80


def register(app: typer.Typer) -> None:
    """Add ``history`` and ``doctor`` to ``app``, with help texts in the active language."""

    @app.command("history", help=_("Show the activity log from git: who changed what and "
                                  "when. With a client, that client's log; without one, every "
                                  "client's, grouped by commit."))
    def show_history(
            ctx: typer.Context,
            client: Annotated[Optional[str], typer.Argument(
                help=_("Client id or a unique search term; archived clients too."),
                autocompletion=completion.client_ids)] = None,
            since: Annotated[Optional[str], typer.Option(
                help=_("Only changes on or after this day: 7d (seven days ago), 2w, "
                       "2026-11-01, yesterday…"))] = None,
            until: Annotated[Optional[str], typer.Option(
                help=_("Only changes on or before this day."))] = None,
            author: Annotated[Optional[str], typer.Option(
                help=_("Only changes by this author: a team member, or part of a git "
                       "author name or e-mail."), autocompletion=completion.team_members)
                              ] = None,
            limit: Annotated[Optional[int], typer.Option(
                help=_("Show at most this many commits, the newest."), min=0)] = None,
            output_format: Annotated[str, typer.Option(
                "--format", "-f", help=_("Output format: text or json."))] = "text") -> None:
        workspace = open_workspace(ctx)
        output.check_format(output_format, ("text", "json"))
        since_day = _day_option(workspace, "--since", since)
        until_day = _day_option(workspace, "--until", until)
        if client is not None:
            _client_id, entries = history.client_history(workspace, client, since_day,
                                                         until_day, author, limit)
        else:
            entries = history.workspace_history(workspace, since_day, until_day, author, limit)

        if output_format == "json":
            echo(json.dumps([history.entry_record(entry) for entry in entries],
                            ensure_ascii=False, indent=2))
        elif not entries:
            echo(_("No changes found."))
        else:
            echo(_render_log(workspace, entries, by_client=client is None))

    @app.command("doctor", help=_("Check the data: unreadable files, unknown statuses and "
                                 "owners, invalid e-mails and phones, duplicates, forgotten "
                                 "clients and more. Exits with status 9 when it finds errors."))
    def run_doctor(
            ctx: typer.Context,
            errors_only: Annotated[bool, typer.Option(
                "--errors-only", help=_("Show only errors, the problems that make the exit "
                                        "status non-zero."))] = False,
            output_format: Annotated[str, typer.Option(
                "--format", "-f", help=_("Output format: text or json."))] = "text",
            install_hook: Annotated[bool, typer.Option(
                "--install-hook", help=_("Install doctor as the git pre-commit hook, so that "
                                         "a commit made by hand is refused while the data has "
                                         "errors. Pandai's own commits skip hooks."))] = False,
            force: Annotated[bool, typer.Option(
                "--force", help=_("With --install-hook: replace a different pre-commit hook, "
                                  "keeping it as pre-commit.bak."))] = False) -> None:
        workspace = open_workspace(ctx)
        output.check_format(output_format, ("text", "json"))
        if install_hook:
            _report_hook(hooks.install_hook(workspace, force))
            return

        report = checks.examine(workspace, errors_only)
        if output_format == "json":
            echo(json.dumps({"clients": report.clients,
                             "problems": [problem.record() for problem in report.problems],
                             "summary": report.counts()}, ensure_ascii=False, indent=2))
        else:
            for problem in report.problems:
                echo(f"{problem.location()}: {checks.severity_text(problem.severity)}: "
                     f"{problem.message}")
            echo(_summary(report, errors_only))
        if report.counts()["error"]:
            raise typer.Exit(ExitStatus.DATA_PROBLEMS)


def _day_option(workspace, option: str, text: str | None):
    if text is None:
        return None
    try:
        return history.parse_since(text, workspace.today)
    except ValueError as error:
        raise InvalidInput(_("Invalid {option} {value!r}: {reason}").format(
            option=option, value=text, reason=error)) from None


def _render_log(workspace, entries: list[history.Entry], by_client: bool) -> str:
    blocks: list[list[str]] = []
    previous = None
    for entry in entries:
        if entry.commit != previous:
            blocks.append([f"{format_date(entry.date)} · {entry.author} · {entry.subject}"])
            previous = entry.commit
        words = [_describe(workspace, change) for change in entry.changes] \
            or [_("edited, no field changed")]
        prefix = f"{entry.client}: " if by_client else ""
        blocks[-1] += [f"  {prefix}{text}" for text in words]
    return "\n\n".join("\n".join(block) for block in blocks)


def _label(workspace: Workspace, key: str) -> str:
    """Return a field's label as the log writes it: ``status`` / ``státusz``."""
    item = workspace.fieldset.lookup(key) if key in workspace.fieldset.names() else None
    title = item.title() if item else key
    # Lower-case the first letter the way a label reads inside a sentence, but keep acronyms.
    if len(title) > 1 and title[1].isupper():
        return title
    return title[:1].lower() + title[1:]


def _show_value(workspace: Workspace, key: str, value: Any) -> str:
    """Format a field value for the log in the active language."""
    item = workspace.fieldset.lookup(key) if key in workspace.fieldset.names() else None
    if item is not None:
        return fieldtypes.display(item, value, workspace)
    if isinstance(value, list):
        return ", ".join(str(element) for element in value)
    return str(value)


def _describe(workspace: Workspace, change: history.Change) -> str:
    """Return a change in words in the active language, such as ``status: A → B``."""
    events = {"created": _("created"), "deleted": _("file deleted"),
              "archived": _("archived"), "unarchived": _("unarchived"),
              "repaired": _("the file can be read again")}
    if change.kind in events:
        return events[change.kind]
    if change.kind == "unreadable":
        return _("the file could not be read in this version: {reason}").format(
            reason=change.text)
    if change.kind == "file_attached":
        return _("file attached: {name}").format(name=change.text)
    if change.kind == "file_removed":
        return _("file removed: {name}").format(name=change.text)
    if change.kind in ("note_added", "note_removed"):
        return _describe_note(change)

    name = _label(workspace, change.field or "")
    if change.old is None:
        return _("{field} added: {value}").format(
            field=name, value=_show_value(workspace, change.field or "", change.new))
    if change.new is None:
        return _("{field} removed (was {value})").format(
            field=name, value=_show_value(workspace, change.field or "", change.old))
    return _("{field}: {old} → {new}").format(
        field=name, old=_show_value(workspace, change.field or "", change.old),
        new=_show_value(workspace, change.field or "", change.new))


def _describe_note(change: history.Change) -> str:
    note = change.note or {}
    kind = str(note.get("kind") or "note")
    kind_text = _(output.NOTE_KIND_LABELS[kind]) if kind in output.NOTE_KIND_LABELS else kind
    lines = str(note.get("text") or "").strip().splitlines()
    text = lines[0] if lines else ""
    if len(text) > NOTE_PREVIEW_CHARS or len(lines) > 1:
        text = text[:NOTE_PREVIEW_CHARS].rstrip() + "…"
    if change.kind == "note_added":
        return _("note added ({kind}): {text}").format(kind=kind_text, text=text)
    return _("note removed ({kind}): {text}").format(kind=kind_text, text=text)


def _summary(report: checks.Report, errors_only: bool) -> str:
    counts = report.counts()
    parts = [ngettext("{count} error", "{count} errors", counts["error"]).format(
        count=counts["error"])]
    if not errors_only:
        parts += [ngettext("{count} warning", "{count} warnings", counts["warning"]).format(
                      count=counts["warning"]),
                  ngettext("{count} info", "{count} info", counts["info"]).format(
                      count=counts["info"])]
    return ngettext("{problems} in {count} client file.", "{problems} in {count} client files.",
                    report.clients).format(problems=", ".join(parts), count=report.clients)


def _report_hook(result: hooks.HookResult) -> None:
    messages = {
        "installed": _("Installed the pre-commit hook {path}: a commit is refused while "
                       "'pandai doctor' finds errors."),
        "updated": _("Updated the pre-commit hook {path}."),
        "unchanged": _("The pre-commit hook {path} is already installed."),
        "replaced": _("Replaced the pre-commit hook {path}; the old one is kept as {backup}."),
    }
    echo(messages[result.action].format(path=result.path, backup=result.backup))
