"""Workspace housekeeping: archive and unarchive, reassign, and undo.

Like the other core modules, these functions never print, prompt or exit. They check everything
before they change anything, raise :mod:`pandai.errors` exceptions, and make each change inside
one ``store.Change``, so that it ends in a single commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pandai import gitops, query, store
from pandai.client import Client
from pandai.errors import GitError, InvalidInput
from pandai.i18n import _
from pandai.parsing import add_months
from pandai.workspace import Workspace

log = logging.getLogger(__name__)

# The default archive rule: inactive or lost clients with no activity for this many months.
ARCHIVE_AFTER_MONTHS = 6
ARCHIVED_STAGES = ("inactive", "lost")


# Archive and unarchive

def latest_activity(client: Client) -> date | None:
    """Return the latest of the client's last contact, creation and note dates, or None."""
    days = [client.get(key) for key in ("last_contact", "created")]
    days += [note.get("at") for note in client.notes if isinstance(note, dict)]
    days = [day.date() if isinstance(day, datetime) else day for day in days]
    known = [day for day in days if isinstance(day, date)]
    return max(known) if known else None


def archive_candidates(workspace: Workspace, filter_texts: list[str]) -> list[Client]:
    """Return the active clients to archive, sorted by id.

    With filters, they are the clients matching every filter. Without filters, they are the
    inactive or lost clients whose last activity (contact, creation or note) is more than six
    months before today and whose next action, if any, is past. A client with no such date is
    never archived by that default rule.
    """
    filters = [query.parse_filter(workspace, text) for text in filter_texts]
    clients = store.load_clients(workspace).clients
    if filters:
        chosen = query.apply_filters(clients, filters)
    else:
        cutoff = add_months(workspace.today, -ARCHIVE_AFTER_MONTHS)
        chosen = []
        for client in clients:
            activity = latest_activity(client)
            next_action = client.get("next_action")
            # A client with a next action still ahead (a retry date, say) is not finished.
            waiting = isinstance(next_action, date) and next_action >= workspace.today
            if workspace.statuses.stage_of(client.get("status")) in ARCHIVED_STAGES \
                    and activity is not None and activity < cutoff and not waiting:
                chosen.append(client)
    return sorted(chosen, key=lambda client: client.id)


def archive_clients(workspace: Workspace, clients: list[Client]) -> bool:
    """Move the files of ``clients`` from clients/ to archive/ in one commit.

    Return True when a commit was made. Raise InvalidInput, before anything moves, when an
    archive file with the same id already exists.
    """
    moves = [(_active_path(workspace, client), _archived_path(workspace, client))
             for client in clients]
    for _source, target in moves:
        if target.exists():
            raise InvalidInput(
                _("Cannot archive {id}: {path} already exists. Rename or remove one of the two "
                  "files, then try again.").format(id=target.stem, path=target))
    with store.Change(workspace, f"archive {len(clients)} client(s)") as change:
        _move_files(moves, change)
    for client in clients:
        client.archived = True
    return change.committed


def unarchive_client(workspace: Workspace, term: str) -> tuple[Client, bool]:
    """Move one archived client back to clients/; return it and whether a commit was made."""
    client = store.find_client(workspace, term, include_archived=True)
    if not client.archived:
        raise InvalidInput(_("{id} is not archived, so there is nothing to unarchive. "
                             "List archived clients with 'pandai list --archived'.").format(
            id=client.id))
    source = _archived_path(workspace, client)
    target = _active_path(workspace, client)
    if target.exists():
        raise InvalidInput(
            _("Cannot unarchive {id}: {path} already exists. Rename or remove one of the two "
              "files, then try again.").format(id=client.id, path=target))
    with store.Change(workspace, f"unarchive {client.id}") as change:
        _move_files([(source, target)], change)
    client.archived = False
    return client, change.committed


def _active_path(workspace: Workspace, client: Client) -> Path:
    store.check_id(client.id)
    return workspace.clients_dir / f"{client.id}.yaml"


def _archived_path(workspace: Workspace, client: Client) -> Path:
    store.check_id(client.id)
    return workspace.archive_dir / f"{client.id}.yaml"


def _move_files(moves: list[tuple[Path, Path]], change: store.Change) -> None:
    # Renames keep each file byte for byte, as 'git mv' does. The change applies them all
    # through its journal, so an interruption completes them rather than leaving half.
    for source, target in moves:
        change.move(source, target)


# Reassign

@dataclass
class Reassignment:
    """A planned hand-over: the giving owner's id, the receivers, and (client, new owner) pairs."""

    giver: str
    receivers: list[str]
    assignments: list[tuple[Client, str]]


def plan_reassignment(workspace: Workspace, giver_text: str, receivers_text: str,
                      filter_texts: list[str]) -> Reassignment:
    """Plan handing the clients of one owner to one or more team members.

    Several receivers share the clients out round-robin in id order. The giver may be a former
    team member who still owns clients. Raise InvalidInput for an unknown member, a giver who is
    also a receiver, or an invalid filter.
    """
    giver = _resolve_giver(workspace, giver_text)
    receivers = _resolve_receivers(workspace, receivers_text)
    if giver in receivers:
        raise InvalidInput(_("{id} cannot hand clients over to themselves: remove {id} from the "
                             "receivers.").format(id=giver))

    filters = [query.parse_filter(workspace, text) for text in filter_texts]
    owned = [client for client in store.load_clients(workspace).clients
             if client.get("owner") == giver]
    chosen = sorted(query.apply_filters(owned, filters), key=lambda client: client.id)
    assignments = [(client, receivers[index % len(receivers)])
                   for index, client in enumerate(chosen)]
    return Reassignment(giver, receivers, assignments)


def apply_reassignment(workspace: Workspace, plan: Reassignment) -> bool:
    """Set the new owners of a planned reassignment in one commit; return True when committed."""
    if not plan.assignments:
        return False
    message = f"reassign {plan.giver} -> {','.join(plan.receivers)}"
    with store.Change(workspace, message) as change:
        for client, receiver in plan.assignments:
            client.set("owner", receiver)
            change.save(client)
    return change.committed


def _resolve_giver(workspace: Workspace, text: str) -> str:
    member = workspace.team.resolve(text)
    if member:
        return member.id
    # Someone already removed from the team may still own clients that need a new owner.
    owner = text.strip().lstrip("@")
    if owner and any(client.get("owner") == owner
                     for client in store.load_clients(workspace).clients):
        return owner
    raise InvalidInput(_("{name!r} is not a team member and owns no clients. Team members: "
                         "{members}.").format(name=text, members=_member_list(workspace)))


def _resolve_receivers(workspace: Workspace, text: str) -> list[str]:
    receivers: list[str] = []
    for part in text.split(","):
        if not part.strip():
            continue
        member = workspace.team.resolve(part)
        if member is None:
            raise InvalidInput(
                _("{name!r} is not a team member. Team members: {members}. Add a member with "
                  "'pandai team add ID'.").format(name=part.strip(),
                                                  members=_member_list(workspace)))
        if member.id not in receivers:
            receivers.append(member.id)
    if not receivers:
        raise InvalidInput(_("Name at least one team member to receive the clients."))
    return receivers


def _member_list(workspace: Workspace) -> str:
    return ", ".join(workspace.team.ids()) or "-"


# Undo

def last_pandai_commit(workspace: Workspace) -> str:
    """Return the subject of the last commit when undo may revert it.

    Raise GitError when the workspace has no git or no commits, and InvalidInput when the last
    commit is not a pandai change, is the first commit or a merge, or when files outside
    .pandai/ have uncommitted changes.
    """
    if not workspace.has_git:
        raise GitError(_("This workspace is not a git repository, so there is no history to "
                         "undo."))
    if gitops.run(workspace.root, "rev-parse", "--verify", "-q", "HEAD",
                  check=False).returncode != 0:
        raise GitError(_("The repository has no commits yet, so there is nothing to undo."))

    subject = gitops.head_message(workspace.root)
    if not subject.startswith(gitops.COMMIT_PREFIX):
        raise InvalidInput(_("The last commit {subject!r} was not made by pandai, so undo leaves "
                             "it alone. Revert it with git if you mean to.").format(
            subject=subject))
    parents = gitops.run(workspace.root, "log", "-1", "--format=%P").stdout.split()
    if len(parents) != 1:
        raise InvalidInput(_("The last commit {subject!r} is the first commit or a merge, which "
                             "undo cannot revert.").format(subject=subject))

    changed, in_the_way = _uncommitted_paths(workspace)
    if changed:
        listing = "\n".join(f"  {path}" for path in changed[:20])
        raise InvalidInput(_("There are uncommitted changes, so undo would mix them with the "
                             "revert:\n{paths}\nCommit or discard them first.").format(
            paths=listing))
    if in_the_way:
        listing = "\n".join(f"  {path}" for path in in_the_way[:20])
        raise InvalidInput(_("Undo would write over files that git does not track:\n{paths}\n"
                             "Move them out of the workspace first.").format(paths=listing))
    return subject


def undo_last_change(workspace: Workspace) -> str:
    """Revert the last pandai commit with a new commit; return the reverted subject."""
    with store.Change(workspace, "undo"):
        subject = last_pandai_commit(workspace)
        identity: list[str] = []
        if not gitops.config_value(workspace.root, "user.email"):
            member = workspace.member(workspace.current_user)
            name = member.name or member.id if member else "pandai"
            email = member.email or f"{member.id}@pandai.invalid" if member \
                else "pandai@pandai.invalid"
            identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
        result = gitops.run(workspace.root, *identity, "revert", "--no-commit", "HEAD",
                            check=False)
        if result.returncode == 0:
            # The revert carries pandai's message form, so that it is pandai's own change too
            # and a second undo reverts it (a redo).
            message = f'{gitops.COMMIT_PREFIX}undo "{subject}"'
            result = gitops.run(workspace.root, *identity, "commit", "-q", "--no-verify", "-m",
                                message, check=False)
        if result.returncode != 0:
            gitops.run(workspace.root, "revert", "--abort", check=False)
            raise GitError(_("git revert failed: {output}").format(
                output=(result.stderr or result.stdout).strip()))
    log.info("reverted %s", subject)
    return subject


def _uncommitted_paths(workspace: Workspace) -> tuple[list[str], list[str]]:
    """Return the changed tracked files, and the untracked files the revert would write over.

    An untracked file counts when the last commit touched its path. Files in .pandai/ are
    left out.
    """
    root = workspace.root
    touched = set(gitops.run(root, "diff-tree", "--no-commit-id", "--name-only", "-r", "-z",
                             "--no-renames", "HEAD").stdout.split("\0"))
    status = gitops.run(root, "status", "--porcelain", "-z", "--untracked-files=all",
                        "--no-renames")
    changed, in_the_way = [], []
    for entry in status.stdout.split("\0"):
        state, path = entry[:2], entry[3:]
        if not path or path == ".pandai" or path.startswith(".pandai/"):
            continue
        if state != "??":
            changed.append(path)
        elif path in touched:
            in_the_way.append(path)
    return changed, in_the_way

