"""The data-quality report: every problem in the workspace's files, as values.

:func:`examine` reads the whole workspace and returns :class:`Problem` records (path, line,
severity, message), the form editors jump to. Errors are data that pandai cannot use as written,
such as an unreadable file, an unknown status or owner, or an invalid e-mail or phone. Warnings
and info are data that is usable but likely wrong or forgotten. Only errors make ``pandai
doctor`` exit non-zero, so it can guard a git pre-commit hook (see :mod:`pandai.hooks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from pandai import fields as fieldtypes
from pandai import store
from pandai.client import Client, last_activity
from pandai.errors import FieldError, FileError, MergeConflict
from pandai.fields import N_
from pandai.i18n import _, format_date, ngettext
from pandai.workspace import Workspace

SEVERITIES = ("error", "warning", "info")
_SEVERITY_LABELS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
# Reminders are meant to run every morning, so doctor warns after this long without a run.
REMINDER_MAX_AGE = timedelta(days=2)
HEARTBEAT_FILE = "remind-heartbeat"


@dataclass
class Problem:
    """One finding: where it is (relative to the workspace), how bad, and what is wrong."""

    path: Path
    line: int
    severity: str
    code: str
    message: str
    client: str | None = None

    def location(self) -> str:
        """Return ``path:line``, the form editors jump to."""
        return f"{self.path.as_posix()}:{self.line}"

    def record(self) -> dict[str, Any]:
        """Return the problem as JSON-ready data."""
        return {"path": self.path.as_posix(), "line": self.line, "severity": self.severity,
                "code": self.code, "client": self.client, "message": self.message}


@dataclass
class Report:
    """Every problem found, sorted by severity, and the number of client files read."""

    problems: list[Problem] = field(default_factory=list)
    clients: int = 0

    def counts(self) -> dict[str, int]:
        """Return the number of problems of each severity."""
        return {severity: sum(problem.severity == severity for problem in self.problems)
                for severity in SEVERITIES}


def severity_text(severity: str) -> str:
    """Return a severity in the active language."""
    return _(_SEVERITY_LABELS[severity])


class _Collector:
    """Collects problems, finding the line of a key in a client file when one is named."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.problems: list[Problem] = []
        self._lines: dict[Path, list[str]] = {}

    def add(self, path: Path, severity: str, code: str, message: str, *,
            key: str | None = None, line: int | None = None, client: str | None = None) -> None:
        if line is None:
            line = self._key_line(path, key) if key else 1
        self.problems.append(Problem(self.relative(path), line, severity, code, message,
                                     client))

    def client(self, client: Client, severity: str, code: str, message: str,
               key: str | None = None) -> None:
        self.add(client.path or Path(client.id), severity, code, message, key=key,
                 client=client.id)

    def relative(self, path: Path) -> Path:
        """Return ``path`` relative to the workspace folder when it is inside it."""
        try:
            return path.relative_to(self.workspace.root)
        except ValueError:
            return path

    def _key_line(self, path: Path, key: str) -> int:
        if path not in self._lines:
            try:
                self._lines[path] = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines[path] = []
        prefix = f"{key}:"
        return next((number for number, text in enumerate(self._lines[path], start=1)
                     if text.startswith(prefix)), 1)


def examine(workspace: Workspace, errors_only: bool = False) -> Report:
    """Check the whole workspace and return every problem found, errors first.

    With ``errors_only`` the checks that can only find warnings are skipped, which makes the
    pre-commit hook faster, and only errors are returned.
    """
    collector = _Collector(workspace)
    statuses_known = _check_settings(workspace, collector)

    active = store.load_clients(workspace)
    archived = store.load_clients(workspace, archived=True)
    for error in [*active.problems, *archived.problems]:
        code = "merge_conflict" if isinstance(error, MergeConflict) else "unreadable"
        collector.add(error.path, "error", code, error.reason(), line=error.line or 1)

    for client in [*active.clients, *archived.clients]:
        _check_values(workspace, collector, client, statuses_known)
    if not errors_only:
        for client in active.clients:
            _check_activity(workspace, collector, client, statuses_known)
        _check_duplicates(workspace, collector, active.clients)
        _check_reminders(workspace, collector)
        _check_leftovers(workspace, collector)

    order = {severity: index for index, severity in enumerate(SEVERITIES)}
    problems = sorted((problem for problem in collector.problems
                       if problem.severity == "error" or not errors_only),
                      key=lambda problem: (order[problem.severity], problem.path.as_posix(),
                                           problem.line))
    total = len(active.clients) + len(active.problems) + len(archived.clients) \
        + len(archived.problems)
    return Report(problems, total)


def _check_settings(workspace: Workspace, collector: _Collector) -> bool:
    """Report unreadable settings files; return whether the statuses are known."""
    from pandai import duplicates

    statuses_known = True
    checks: list[tuple[Path, Callable[[], Any]]] = [
        (workspace.statuses_path, lambda: workspace.statuses),
        (workspace.views_path, lambda: workspace.views),
        (duplicates.duplicates_path(workspace), lambda: duplicates.not_duplicate_pairs(workspace))]
    for path, load in checks:
        try:
            load()
        except FileError as error:
            code = "merge_conflict" if isinstance(error, MergeConflict) else "unreadable"
            collector.add(error.path, "error", code, error.reason(), line=error.line or 1)
            statuses_known = statuses_known and path != workspace.statuses_path
    return statuses_known


# Checks of one client's values

def _check_values(workspace: Workspace, collector: _Collector, client: Client,
                  statuses_known: bool) -> None:
    for key, reason in client.problems:
        item = workspace.fieldset.lookup(key)
        collector.client(client, "error", "invalid_value",
                         _("invalid {field} {value!r}: {reason}").format(
                             field=_lower_first(item.title()) if item else key,
                             value=client.data.get(key),
                             reason=reason), key)
    if statuses_known:
        _check_status(workspace, collector, client)
    _check_owner(workspace, collector, client)
    for key, code in (("email", "email"), ("phone", "phone")):
        _check_contact(workspace, collector, client, key, code)
    _check_attachments(workspace, collector, client)
    _check_merge_conflicts(collector, client)


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def _check_merge_conflicts(collector: _Collector, client: Client) -> None:
    # The merge driver of sync records a field changed differently on two clones here.
    for entry in client.data.get("merge_conflicts") or []:
        if isinstance(entry, dict):
            collector.client(client, "error", "merge_conflict", _(
                "{field} was changed differently on two clones (ours {ours!r}, theirs "
                "{theirs!r}): keep the right value and remove the merge_conflicts entry.")
                .format(field=entry.get("field"), ours=entry.get("ours"),
                        theirs=entry.get("theirs")), "merge_conflicts")


def _check_status(workspace: Workspace, collector: _Collector, client: Client) -> None:
    status = client.get("status")
    if status is None:
        collector.client(client, "warning", "no_status",
                         _("no status: set one with 'pandai status {id} STATUS'.").format(
                             id=client.id))
        return
    known = workspace.statuses.find(str(status))
    if known is None:
        collector.client(client, "error", "unknown_status",
                         _("unknown status {status!r}: statuses.yaml lists {choices}.").format(
                             status=status, choices=", ".join(workspace.statuses.names())),
                         "status")
    elif known.name != status:
        collector.client(client, "warning", "status_spelling",
                         _("status {status!r} is written differently in statuses.yaml: "
                           "write {name!r}.").format(status=status, name=known.name), "status")


def _check_owner(workspace: Workspace, collector: _Collector, client: Client) -> None:
    owner = client.get("owner")
    if owner is None or not workspace.team.members:
        return
    owner = str(owner)
    if workspace.team.get(owner):
        return
    member = workspace.team.resolve(owner)
    if member is not None:
        collector.client(client, "warning", "owner_spelling",
                         _("owner {owner!r} names team member {id}: write the id {id}.").format(
                             owner=owner, id=member.id), "owner")
        return
    collector.client(client, "error", "unknown_owner",
                     _("owner {owner!r} is not a team member: hand the client over with "
                       "'pandai reassign {owner} NEW_OWNER', or add the member with 'pandai "
                       "team add {owner}'.").format(owner=owner), "owner")


def _check_contact(workspace: Workspace, collector: _Collector, client: Client, key: str,
                   code: str) -> None:
    stored = client.get(key)
    if not isinstance(stored, str):
        return
    item = workspace.fieldset.get(key)
    try:
        normal = fieldtypes.from_input(item, stored, workspace)
    except FieldError as error:
        collector.client(client, "error", f"invalid_{code}", error.message, key)
        return
    if normal != stored:
        collector.client(client, "warning", f"{code}_not_normalised",
                         _("{field} {value!r} is not normalised: write {normal!r}.").format(
                             field=item.title(), value=stored, normal=normal), key)


def _check_attachments(workspace: Workspace, collector: _Collector, client: Client) -> None:
    folder = workspace.files_dir / client.id
    for name in client.files:
        if not (folder / name).is_file():
            collector.client(client, "warning", "missing_attachment",
                             _("attachment {name!r} is listed in files but missing from "
                               "{folder}.").format(name=name, folder=collector.relative(folder)),
                             "files")


# Checks of an active client's follow-up

def _check_activity(workspace: Workspace, collector: _Collector, client: Client,
                    statuses_known: bool) -> None:
    if client.get("email") is None and client.get("phone") is None:
        collector.client(client, "warning", "incomplete",
                         _("incomplete: no e-mail and no phone."))
    if client.get("owner") is None:
        collector.client(client, "warning", "no_owner",
                         _("no owner: set one with 'pandai edit {id} owner=ID'.").format(
                             id=client.id))

    # Without a readable statuses.yaml no client's stage is known.
    if not statuses_known:
        return
    stage = workspace.statuses.stage_of(client.get("status"))
    if stage == "lost":
        _check_lost_reason(workspace, collector, client)
    if stage != "open":
        return
    _check_contact_age(workspace, collector, client)
    if not client.notes:
        collector.client(client, "info", "no_notes", _("open client with no notes."))
    next_action = client.get("next_action")
    if isinstance(next_action, date) and next_action < workspace.today:
        days = (workspace.today - next_action).days
        collector.client(client, "warning", "overdue",
                         ngettext("next action {date} is overdue by {days} day.",
                                  "next action {date} is overdue by {days} days.", days).format(
                             date=format_date(next_action), days=days), "next_action")


def _check_contact_age(workspace: Workspace, collector: _Collector, client: Client) -> None:
    rules = workspace.config.rules
    last = last_activity(client)
    if last is None:
        return
    days = (workspace.today - last).days
    key = "last_contact" if client.get("last_contact") is not None else "created"
    if days > rules.inactive_after_days:
        collector.client(client, "warning", "inactive",
                         _("no contact for {days} days (last {date}), longer than the "
                           "{limit} days after which a client counts as inactive.").format(
                             days=days, date=format_date(last),
                             limit=rules.inactive_after_days), key)
    elif days > rules.stale_after_days:
        collector.client(client, "info", "stale",
                         _("no contact for {days} days (last {date}), longer than the "
                           "{limit} days after which a client counts as stale.").format(
                             days=days, date=format_date(last), limit=rules.stale_after_days),
                         key)


def _check_lost_reason(workspace: Workspace, collector: _Collector, client: Client) -> None:
    status = client.get("status")
    lost_on: date | None = None
    for entry in reversed(client.status_history):
        if isinstance(entry, dict) and entry.get("to") == status:
            if str(entry.get("reason") or "").strip():
                return
            lost_on = _day(entry.get("at"))
            break
    # A note written on or after the day the client was lost counts as its reason.
    for note in client.notes:
        day = _day(note.get("at")) if isinstance(note, dict) else None
        if lost_on is None or (day is not None and day >= lost_on):
            return
    collector.client(client, "warning", "lost_without_reason",
                     _("lost without a reason: record it with 'pandai note {id} TEXT'.").format(
                         id=client.id), "status")


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _check_duplicates(workspace: Workspace, collector: _Collector,
                      clients: list[Client]) -> None:
    # The pairs are those 'pandai duplicates' lists, without the ones duplicates.yaml marks as
    # different clients.
    from pandai import duplicates

    try:
        ignored = duplicates.not_duplicate_pairs(workspace)
    except FileError:
        # _check_settings has reported the unreadable duplicates.yaml already.
        ignored = set()
    for pair in duplicates.find_duplicate_pairs(workspace, clients, ignored):
        collector.client(pair.second, "warning", "duplicate",
                         _("possible duplicate of {id} ({reason}).").format(
                             id=pair.first.id, reason=pair.reason_text()), pair.reasons[0])


def _check_reminders(workspace: Workspace, collector: _Collector) -> None:
    try:
        from pandai import reminders
        from pandai.reminders import heartbeat_age
    except ImportError:
        return
    path = workspace.state_dir / HEARTBEAT_FILE
    age = heartbeat_age(workspace)
    if age is None:
        collector.add(path, "info", "reminders_never_ran",
                      _("reminders have never run on this machine: set up cron with "
                        "'pandai remind --cron'."))
        return
    # heartbeat_overdue, where reminders has it, also forgives a weekend without runs.
    overdue = getattr(reminders, "heartbeat_overdue", None)
    late = overdue(workspace) is not None if overdue else age > REMINDER_MAX_AGE
    if late:
        collector.add(path, "warning", "reminders_not_running",
                      ngettext("reminders last ran {days} day ago: check cron, or set it up "
                               "with 'pandai remind --cron'.",
                               "reminders last ran {days} days ago: check cron, or set it up "
                               "with 'pandai remind --cron'.", age.days).format(days=age.days))


def _check_leftovers(workspace: Workspace, collector: _Collector) -> None:
    """Report the temporary files an interrupted change left, when no change is running."""
    from filelock import FileLock, Timeout

    from pandai import journal

    root = workspace.root
    if not journal.orphans_possible(root):
        return
    lock = FileLock(str(workspace.state_dir / "lock"))
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):
        return  # a running change may still be writing its files
    try:
        leftovers = journal.orphaned_files(root)
    finally:
        lock.release()
    folders: dict[Path, int] = {}
    for path in leftovers:
        folders[path.parent] = folders.get(path.parent, 0) + 1
    for folder, count in folders.items():
        collector.add(folder, "warning", "leftover_temporary_files", ngettext(
            "{count} temporary file was left by an interrupted pandai command; the next "
            "command that changes data removes it.",
            "{count} temporary files were left by an interrupted pandai command; the next "
            "command that changes data removes them.", count).format(count=count))
