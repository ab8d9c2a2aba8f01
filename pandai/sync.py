"""``pandai sync``: commit hand edits, pull and merge the team's changes, push.

Client files merge through the driver in :mod:`pandai.gitmerge`, registered in the repository's
git config (the config is not versioned, so every clone registers it on its first pandai
command) and named in ``.gitattributes``.
"""

from __future__ import annotations

import logging
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pandai import gitops, store, yamlio
from pandai.client import from_file_data
from pandai.errors import GitError, InvalidInput, PandaiError
from pandai.gitmerge import CONFLICTS_KEY, WHOLE_CLIENT
from pandai.i18n import _
from pandai.workspace import Workspace

log = logging.getLogger(__name__)
ATTRIBUTES = ("clients/*.yaml merge=pandai", "archive/*.yaml merge=pandai")
# The workspace paths a sync commits when they were edited by hand.
TRACKED = ("clients", "archive", "files", "templates", "pandai.yaml", "statuses.yaml",
           "views.yaml", "imports.yaml", "duplicates.yaml", ".gitignore", ".gitattributes")


class SyncError(PandaiError):
    """Pulling or pushing failed; the message gives the reason and the next step."""


@dataclass
class SyncReport:
    """The outcome of a sync: commits, merge, push, new clients and conflicts."""

    committed_hand_edits: bool = False
    merged: bool = False
    pushed: bool = False
    split_clients: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)


def driver_command() -> str:
    """Return the command line git runs for the merge driver, with this Python's path."""
    return f"{shlex.quote(sys.executable)} -m pandai merge-file %O %A %B %P"


def ensure_merge_driver(root: Path) -> bool:
    """Register the merge driver in the repository config when missing; return True if added."""
    config = root / ".git" / "config"
    try:
        if '[merge "pandai"]' in config.read_text(encoding="utf-8"):
            return False
    except OSError:
        return False
    gitops.run(root, "config", "merge.pandai.name", "Pandai client files")
    gitops.run(root, "config", "merge.pandai.driver", driver_command())
    return True


def ensure_attributes(root: Path) -> Path | None:
    """Add the merge driver lines to .gitattributes when missing; return it when changed."""
    path = root / ".gitattributes"
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    missing = [line for line in ATTRIBUTES if line not in existing.splitlines()]
    if not missing:
        return None
    text = existing + ("" if existing.endswith("\n") or not existing else "\n")
    yamlio.write_atomic(path, text + "\n".join(missing) + "\n")
    return path


def _classify(error: GitError, remote: str) -> SyncError:
    text = error.message.lower()
    if any(word in text for word in ("authentication failed", "permission denied",
                                     "could not read username", "403")):
        return SyncError(_("The remote {remote} rejected the login. Check your credentials for "
                           "it (git credential helper or SSH key), then run pandai sync "
                           "again.\n{details}").format(remote=remote, details=error.message))
    if any(word in text for word in ("could not resolve", "unable to access", "connection",
                                     "does not appear to be a git repository",
                                     "not found", "no such file")):
        return SyncError(_("Cannot reach the remote {remote}. Check the network and the "
                           "address ('git remote -v'); your changes are committed locally and "
                           "will be sent by the next pandai sync.\n{details}").format(
            remote=remote, details=error.message))
    return SyncError(_("git failed while syncing with {remote}: {details}").format(
        remote=remote, details=error.message))


def _current_branch(root: Path) -> str:
    result = gitops.run(root, "symbolic-ref", "--short", "-q", "HEAD", check=False)
    branch = result.stdout.strip()
    if not branch:
        raise SyncError(_("The workspace is not on a branch (detached HEAD). Check out a "
                          "branch with 'git switch main', then run pandai sync again."))
    return branch


def _conflicted_paths(root: Path) -> list[str]:
    result = gitops.run(root, "diff", "--name-only", "--diff-filter=U", check=False)
    return [line for line in result.stdout.splitlines() if line]


def sync(workspace: Workspace, push: bool = True, remote: str = "origin") -> SyncReport:
    """Commit hand edits, merge the remote branch, and push; raise SyncError on failure."""
    root = workspace.root
    if not workspace.has_git:
        raise InvalidInput(_("{path} is not a git repository, so there is nothing to sync. "
                             "Run 'git init' and 'git remote add origin URL' first.").format(
            path=root))
    report = SyncReport()
    with store.Change(workspace, "sync: commit hand edits") as change:
        unfinished = _conflicted_paths(root)
        if unfinished or (root / ".git" / "MERGE_HEAD").exists():
            _finish_merge(workspace, unfinished)
        problems = store.load_clients(workspace).problems + \
            store.load_clients(workspace, archived=True).problems
        if problems:
            listed = "\n".join(f"  {problem.message}" for problem in problems[:20])
            raise InvalidInput(_("Some client files cannot be read, so nothing was synced. Fix "
                                 "them first:\n{problems}").format(problems=listed))
        # Checked first, so that a sync that cannot run commits and configures nothing.
        remotes = gitops.run(root, "remote", check=False).stdout.split()
        if not remotes:
            raise SyncError(_("The workspace has no git remote to sync with. Add the team's "
                              "shared repository with 'git remote add origin URL', then run "
                              "pandai sync again."))
        if remote not in remotes:
            raise SyncError(_("The workspace has no git remote called {remote}. Its remotes: "
                              "{remotes}. Name one of them with --remote.").format(
                remote=remote, remotes=", ".join(remotes)))
        ensure_merge_driver(root)
        attributes = ensure_attributes(root)
        paths = [root / name for name in TRACKED if (root / name).exists()]
        if attributes:
            paths.append(attributes)
        report.committed_hand_edits = store.commit_paths(workspace, paths, change.message)

        branch = _current_branch(root)
        try:
            gitops.run(root, "fetch", "--quiet", remote)
        except GitError as error:
            raise _classify(error, remote) from error

        remote_branch = f"{remote}/{branch}"
        has_remote_branch = gitops.run(root, "rev-parse", "--verify", "--quiet",
                                       remote_branch, check=False).returncode == 0
        if has_remote_branch:
            report.merged = _merge(workspace, remote_branch)
            report.split_clients = split_added_clients(workspace)
        report.conflicts = list_conflicts(workspace)

        if push:
            try:
                gitops.run(root, "push", "--quiet", "-u", remote, branch)
            except GitError as error:
                if "rejected" in error.message or "fetch first" in error.message:
                    raise SyncError(_("Someone pushed to {remote} in the meantime, so the push "
                                      "was rejected. Run pandai sync again to merge their "
                                      "changes too.").format(remote=remote)) from error
                raise _classify(error, remote) from error
            report.pushed = True
    return report


def _merge(workspace: Workspace, remote_branch: str) -> bool:
    root = workspace.root
    before = gitops.run(root, "rev-parse", "HEAD").stdout.strip()
    result = gitops.run(root, "merge", "--no-edit", "--quiet", "-m",
                        f"{gitops.COMMIT_PREFIX}sync: merge {remote_branch}", remote_branch,
                        check=False)
    if result.returncode != 0:
        conflicted = _conflicted_paths(root)
        if not conflicted:
            raise SyncError(_("git could not merge {branch}: {details}").format(
                branch=remote_branch, details=(result.stderr or result.stdout).strip()))
        raise SyncError(
            _("The changes of {branch} conflict with yours in these files:\n{files}\nEdit each "
              "file to keep the right lines (remove the <<<<<<< ======= >>>>>>> markers), "
              "then run pandai sync again to finish the merge.").format(
                branch=remote_branch, files="\n".join(f"  {name}" for name in conflicted)))
    return gitops.run(root, "rev-parse", "HEAD").stdout.strip() != before


def _finish_merge(workspace: Workspace, unfinished: list[str]) -> None:
    root = workspace.root
    markers = []
    for name in unfinished:
        path = root / name
        if path.exists() and "<<<<<<<" in path.read_text(encoding="utf-8", errors="replace"):
            markers.append(name)
    if markers:
        raise SyncError(_("These files still contain conflict markers from the last merge:\n"
                          "{files}\nEdit them, then run pandai sync again.").format(
            files="\n".join(f"  {name}" for name in markers)))
    gitops.run(root, "add", "-A", "--", *unfinished)
    gitops.run(root, "commit", "-q", "--no-edit", "--no-verify")


def split_added_clients(workspace: Workspace) -> list[str]:
    """Move clients that both sides added under one id into files of their own.

    Return the new ids. The merge driver left theirs whole in ``merge_conflicts``.
    """
    created = []
    with_conflicts = [client for client in store.load_clients(workspace).clients
                      if client.data.get(CONFLICTS_KEY)]
    paths = []
    for client in with_conflicts:
        entries = client.data[CONFLICTS_KEY]
        whole = [entry for entry in entries if isinstance(entry, dict)
                 and entry.get("field") == WHOLE_CLIENT and isinstance(entry.get("theirs"), dict)]
        if not whole:
            continue
        for entry in whole:
            new_id = store.new_client_id(workspace, str(entry["theirs"].get("name", client.id)))
            other = from_file_data(new_id, entry["theirs"], workspace.fieldset,
                                   workspace.clients_dir / f"{new_id}.yaml")
            path = store.client_path(workspace, other)
            yamlio.write_atomic(path, store.render_client(workspace, other))
            paths.append(path)
            created.append(new_id)
        remaining = [entry for entry in entries if entry not in whole]
        client.set(CONFLICTS_KEY, remaining or None)
        path = store.client_path(workspace, client)
        yamlio.write_atomic(path, store.render_client(workspace, client))
        paths.append(path)
    if paths:
        store.commit_paths(workspace, paths, "sync: keep both clients added under one id")
    return created


def list_conflicts(workspace: Workspace) -> list[tuple[str, str]]:
    """Return (client id, field) for every conflict the merge driver recorded."""
    found = []
    for archived in (False, True):
        for client in store.load_clients(workspace, archived=archived).clients:
            for entry in client.data.get(CONFLICTS_KEY) or []:
                if isinstance(entry, dict):
                    found.append((client.id, str(entry.get("field", "?"))))
    return found
