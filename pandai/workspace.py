"""Finding and opening a workspace: the folder that contains pandai.yaml, clients/ and the rest.

A command finds its workspace from ``--workspace``, else ``PANDAI_WORKSPACE``, else by walking
up from the current folder to the first one that contains ``pandai.yaml``, as git finds its
repository.
"""

from __future__ import annotations

import os
from datetime import date
from functools import cached_property
from pathlib import Path

from pandai import gitops
from pandai.config import Config, Member, load_config
from pandai.errors import InvalidInput
from pandai.fields import BUILTIN_FIELDS, FieldSet
from pandai.i18n import _
from pandai.statuses import StatusList, load_statuses
from pandai.views import View, load_views
from pandai.workspace_root import CONFIG_FILE, find_root, language_of  # noqa: F401 - re-exported


def today_from_environment() -> date:
    """Return today, or the day PANDAI_TODAY names; raise InvalidInput for a bad value."""
    override = os.environ.get("PANDAI_TODAY")
    if override:
        try:
            return date.fromisoformat(override)
        except ValueError:
            raise InvalidInput(_("PANDAI_TODAY={value!r} is not an ISO date such as "
                                 "2026-12-05.").format(value=override)) from None
    return date.today()


class Workspace:
    """An open workspace: its settings, statuses, views and paths."""

    def __init__(self, root: Path):
        self.root = root
        self.config: Config = load_config(root / CONFIG_FILE, self.state_dir)
        # Warnings collected by the core for the CLI to show, already translated.
        self.warnings: list[str] = []

    @classmethod
    def open(cls, explicit: Path | None = None) -> Workspace:
        """Find and open the workspace a command runs in."""
        return cls(find_root(explicit))

    @property
    def clients_dir(self) -> Path:
        return self.root / "clients"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def files_dir(self) -> Path:
        return self.root / "files"

    @property
    def state_dir(self) -> Path:
        return self.root / ".pandai"

    @property
    def statuses_path(self) -> Path:
        return self.root / "statuses.yaml"

    @property
    def views_path(self) -> Path:
        return self.root / "views.yaml"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @cached_property
    def statuses(self) -> StatusList:
        return load_statuses(self.statuses_path, self.state_dir)

    @cached_property
    def views(self) -> dict[str, View]:
        return load_views(self.views_path, self.state_dir)

    @cached_property
    def fieldset(self) -> FieldSet:
        return FieldSet([*BUILTIN_FIELDS, *self.config.custom_fields])

    @property
    def team(self):
        return self.config.team

    @cached_property
    def today(self) -> date:
        """Today, or the day PANDAI_TODAY names (for demos, scripts and tests)."""
        return today_from_environment()

    @cached_property
    def has_git(self) -> bool:
        return gitops.is_repository(self.root)

    @cached_property
    def current_user(self) -> str | None:
        """The current user's id: PANDAI_USER, git's pandai.user, or the team e-mail match."""
        explicit = os.environ.get("PANDAI_USER") or gitops.config_value(self.root, "pandai.user")
        if explicit:
            member = self.team.resolve(explicit)
            return member.id if member else explicit
        email = gitops.config_value(self.root, "user.email").lower()
        member = next((item for item in self.team.members if email and item.email == email),
                      None)
        return member.id if member else None

    def require_user(self) -> str:
        """Return the current user's id; raise InvalidInput saying how to set it."""
        if self.current_user is None:
            raise InvalidInput(
                _("Cannot tell who you are: set PANDAI_USER, run 'git config pandai.user ID', "
                  "or add your git e-mail to the team in pandai.yaml."))
        return self.current_user

    def author(self) -> str:
        """Return the id recorded as ``by`` in notes and history: the user, or 'pandai'."""
        return self.current_user or "pandai"

    def member(self, member_id: str | None) -> Member | None:
        return self.team.get(member_id) if member_id else None
