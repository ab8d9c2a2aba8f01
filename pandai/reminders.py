"""What is due: the follow-up digests of ``pandai remind``, its state and its heartbeat.

A digest lists the follow-ups of one owner in five groups. They are the open clients whose next
action is overdue, those due today, the lost or inactive clients whose retry date (their next
action) has come, the open clients with no contact for longer than ``rules.inactive_after_days``,
and the notes that mention the owner since their last reminder. Each client appears in the first
group that fits it.

Per-machine state lives in ``.pandai/``, which git ignores: ``remind-state.yaml`` stores the last
run per user (the start of the next mention window), and ``remind-heartbeat`` the time of the last
run, so that ``remind`` and ``doctor`` can warn when cron stopped running it.
"""

from __future__ import annotations

import logging
import shlex
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pandai import store, yamlio
from pandai.client import Client, last_activity, mentions
from pandai.config import Member
from pandai.errors import FileError
from pandai.i18n import _
from pandai.parsing import fold
from pandai.workspace import Workspace

log = logging.getLogger(__name__)

STATE_FILE = "remind-state.yaml"
HEARTBEAT_FILE = "remind-heartbeat"
HEARTBEAT_MAX_AGE = timedelta(days=2)
# How far back the first run of a user (or a --date run) looks for mentions.
MENTION_LOOKBACK = timedelta(days=7)
DUE_STAGES = ("open", "won")
RETRY_STAGES = ("lost", "inactive")


@dataclass
class Item:
    """A client in a digest, with the day that put it there and its distance from today.

    ``day`` is the next action for the overdue, today and retry groups, and the last contact
    (else the creation day) for the inactive group. ``days`` is how many days ``day`` lies
    before today.
    """

    client: Client
    day: date
    days: int


@dataclass
class Mention:
    """A note that mentions a team member with ``@name``."""

    client: Client
    at: datetime
    by: str
    kind: str
    text: str
    member: str


@dataclass
class Digest:
    """The follow-ups of one owner; ``owner`` None collects the clients without an owner."""

    owner: str | None
    member: Member | None
    today: date
    overdue: list[Item] = field(default_factory=list)
    due_today: list[Item] = field(default_factory=list)
    retry: list[Item] = field(default_factory=list)
    inactive: list[Item] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)

    def count(self) -> int:
        """Return the number of entries in all groups."""
        return (len(self.overdue) + len(self.due_today) + len(self.retry) + len(self.inactive)
                + len(self.mentions))

    def is_empty(self) -> bool:
        return self.count() == 0

    def title(self) -> str:
        """Return the owner as people read it: ``Nagy Anna (anna)``, or "Clients without owner"."""
        if self.owner is None:
            return _("Clients without owner")
        if self.member and self.member.name:
            return f"{self.member.name} ({self.owner})"
        return self.owner


@dataclass
class Run:
    """One run of the reminder: the digests, when it ran, and the files that could not be read."""

    digests: list[Digest]
    run_at: datetime
    what_if: bool
    problems: list[FileError] = field(default_factory=list)


# Collecting the digests

def now() -> datetime:
    """Return the current local time with its UTC offset, to the second."""
    return datetime.now().astimezone().replace(microsecond=0)


def as_datetime(value: Any) -> datetime | None:
    """Return a note time as an aware datetime; a plain date counts as its local midnight."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.astimezone()
    if isinstance(value, date):
        return datetime.combine(value, time()).astimezone()
    return None


def _place_client(workspace: Workspace, digest: Digest, client: Client) -> None:
    stage = workspace.statuses.stage_of(client.get("status"))
    today = digest.today
    next_action = client.get("next_action")
    if isinstance(next_action, date) and next_action <= today:
        item = Item(client, next_action, (today - next_action).days)
        if stage in RETRY_STAGES:
            digest.retry.append(item)
            return
        if stage in DUE_STAGES:
            (digest.overdue if next_action < today else digest.due_today).append(item)
            return
    if stage == "open":
        activity = last_activity(client)
        limit = workspace.config.rules.inactive_after_days
        if activity is not None and (today - activity).days > limit:
            digest.inactive.append(Item(client, activity, (today - activity).days))


def _mentioned_member(workspace: Workspace, name: str) -> str | None:
    member = workspace.team.resolve(name)
    if member is not None:
        return member.id
    # Without a team there is nothing to resolve against, so the written name is the id.
    return fold(name) if not workspace.team.members else None


def find_mentions(workspace: Workspace, clients: list[Client], since: datetime | None = None,
                  until: datetime | None = None) -> list[Mention]:
    """Return every mention of a team member in the notes of ``clients``, newest first.

    Only notes written from ``since`` up to ``until`` count, when these are given. A note that
    names the same person twice gives one mention.
    """
    found = []
    for client in clients:
        for note in client.notes:
            if not isinstance(note, dict):
                continue
            text = str(note.get("text", ""))
            at = as_datetime(note.get("at"))
            if at is None or "@" not in text:
                continue
            if (since is not None and at < since) or (until is not None and at > until):
                continue
            members = {_mentioned_member(workspace, name) for name in mentions(text)}
            for member in sorted(member for member in members if member):
                found.append(Mention(client, at, str(note.get("by", "")),
                                     str(note.get("kind", "note")), text, member))
    found.sort(key=lambda mention: mention.at, reverse=True)
    return found


def _owner_order(workspace: Workspace, owners: set[str]) -> list[str]:
    team = [member_id for member_id in workspace.team.ids() if member_id in owners]
    others = sorted(owner for owner in owners if owner not in team)
    return team + others


def collect(workspace: Workspace, user: str | None, today: date, what_if: bool = False
            ) -> Run:
    """Collect the digests of ``user``, or of every owner when ``user`` is None.

    A ``what_if`` run (``--date``) looks for the mentions of the week before ``today`` instead
    of those since each user's last run. Empty digests are left out.
    """
    run_at = now()
    loaded = store.load_clients(workspace)
    digests: dict[str | None, Digest] = {}

    def digest_for(owner: str | None) -> Digest:
        if owner not in digests:
            digests[owner] = Digest(owner, workspace.member(owner), today)
        return digests[owner]

    for client in loaded.clients:
        owner = client.get("owner")
        owner = str(owner) if owner else None
        if user is not None and owner != user:
            continue
        _place_client(workspace, digest_for(owner), client)

    if what_if:
        since_default = datetime.combine(today, time()).astimezone() - MENTION_LOOKBACK
        until = datetime.combine(today + timedelta(days=1), time()).astimezone()
        last_runs: dict[str, datetime] = {}
    else:
        since_default = run_at - MENTION_LOOKBACK
        until = run_at
        # NOTE: the window goes by the time a note was written, so a note written before the
        # last run but pulled from the remote after it is never shown by remind (mentions is).
        last_runs = read_state(workspace)
    for mention in find_mentions(workspace, loaded.clients, until=until):
        if user is not None and mention.member != user:
            continue
        # Notes a user wrote are no news to them, even when they mention themselves.
        if mention.by == mention.member:
            continue
        # Note times are stored to the second, so a note from the second of the last run is
        # shown again rather than missed.
        if mention.at >= last_runs.get(mention.member, since_default):
            digest_for(mention.member).mentions.append(mention)

    named = _owner_order(workspace, {owner for owner in digests if owner is not None})
    ordered = [digests[owner] for owner in named]
    if None in digests:
        ordered.append(digests[None])
    return Run([digest for digest in ordered if not digest.is_empty()], run_at, what_if,
               loaded.problems)


# State: the last run per user

def state_path(workspace: Workspace) -> Path:
    return workspace.state_dir / STATE_FILE


def read_state(workspace: Workspace) -> dict[str, datetime]:
    """Return the last run time of each user; a missing or unreadable file gives none."""
    path = state_path(workspace)
    if not path.is_file():
        return {}
    try:
        raw = yamlio.read(path)
    except FileError as error:
        log.warning("ignoring %s: %s", path, error.message)
        return {}
    runs = raw.get("last_run") if isinstance(raw, dict) else None
    result = {}
    for user, text in (runs.items() if isinstance(runs, dict) else []):
        try:
            result[str(user)] = as_datetime(datetime.fromisoformat(str(text)))
        except ValueError:
            log.warning("ignoring the last run of %s in %s: %r", user, path, text)
    return result


def mark_done(workspace: Workspace, users: list[str], run_at: datetime) -> None:
    """Store ``run_at`` as the last run of ``users``, so their next mentions start there."""
    if not users:
        return
    runs = read_state(workspace)
    for user in users:
        runs[user] = run_at
    document = {"last_run": {user: moment.isoformat() for user, moment in sorted(runs.items())}}
    workspace.state_dir.mkdir(exist_ok=True)
    yamlio.write_atomic(state_path(workspace), yamlio.dump(document))


# Heartbeat

def heartbeat_path(workspace: Workspace) -> Path:
    return workspace.state_dir / HEARTBEAT_FILE


def read_heartbeat(workspace: Workspace) -> datetime | None:
    """Return the time of the last reminder run, or None when it never ran or the file is bad."""
    try:
        text = heartbeat_path(workspace).read_text(encoding="utf-8").strip()
        return as_datetime(datetime.fromisoformat(text))
    except (OSError, ValueError):
        return None


def record_heartbeat(workspace: Workspace, moment: datetime | None = None) -> None:
    """Write the time of this run into ``.pandai/remind-heartbeat``, one ISO line."""
    workspace.state_dir.mkdir(exist_ok=True)
    yamlio.write_atomic(heartbeat_path(workspace), (moment or now()).isoformat() + "\n")


def heartbeat_age(workspace: Workspace, moment: datetime | None = None) -> timedelta | None:
    """Return how long ago the reminder last ran, or None when it never ran on this machine."""
    last = read_heartbeat(workspace)
    return None if last is None else (moment or now()) - last


def heartbeat_overdue(workspace: Workspace, moment: datetime | None = None
                      ) -> timedelta | None:
    """Return the heartbeat's age when the reminder missed runs, else None.

    The heartbeat is overdue when it is older than two days and at least two working days
    (Monday to Friday) lie between it and today, so that a weekday crontab does not warn
    every Monday. A reminder that never ran is not overdue.
    """
    moment = moment or now()
    last = read_heartbeat(workspace)
    if last is None or moment - last <= HEARTBEAT_MAX_AGE:
        return None
    day = last.astimezone(moment.tzinfo).date() + timedelta(days=1)
    working_days = 0
    while day < moment.date() and working_days < 2:
        working_days += day.weekday() < 5
        day += timedelta(days=1)
    return moment - last if working_days >= 2 else None


# Cron

def crontab_line(workspace: Workspace, command: list[str], environment: dict[str, str]
                 ) -> str:
    """Return the crontab line that e-mails every owner's digest on weekday mornings.

    ``command`` is how to start pandai, with absolute paths. ``environment`` contains the
    variables to set on the line; a password must never be among them.
    """
    assignments = [f"{name}={shlex.quote(value)}" for name, value in environment.items()]
    words = [*assignments, *(shlex.quote(part) for part in command),
             "-w", shlex.quote(str(workspace.root)), "remind", "--all", "--email"]
    return "0 7 * * 1-5 " + " ".join(words)
