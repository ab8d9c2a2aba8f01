"""Shell completion of client ids, view names, statuses, team members and field names.

Completion runs on every key press, so it reads file names and small settings files only, and
a workspace it cannot open completes nothing rather than failing.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pandai.workspace import Workspace


def _workspace(ctx: typer.Context) -> Workspace | None:
    root = ctx.find_root()
    explicit = root.params.get("workspace") if root.params else None
    try:
        return Workspace.open(Path(explicit) if explicit else None)
    except Exception:  # noqa: BLE001 - completion must never print an error.
        return None


def client_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Complete the ids of active clients."""
    workspace = _workspace(ctx)
    if workspace is None or not workspace.clients_dir.is_dir():
        return []
    return sorted(path.stem for path in workspace.clients_dir.glob(f"{incomplete}*.yaml"))


def view_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Complete saved view names."""
    workspace = _workspace(ctx)
    return [name for name in workspace.views if name.startswith(incomplete)] if workspace else []


def statuses(ctx: typer.Context, incomplete: str) -> list[str]:
    """Complete status names."""
    workspace = _workspace(ctx)
    if workspace is None:
        return []
    return [name for name in workspace.statuses.names()
            if name.lower().startswith(incomplete.lower())]


def team_members(ctx: typer.Context, incomplete: str) -> list[str]:
    """Complete team member ids."""
    workspace = _workspace(ctx)
    return [member for member in workspace.team.ids() if member.startswith(incomplete)] \
        if workspace else []


def field_assignments(ctx: typer.Context, incomplete: str) -> list[str]:
    """Complete ``FIELD=`` and ``FIELD OP`` prefixes for edit assignments and filters."""
    workspace = _workspace(ctx)
    if workspace is None or "=" in incomplete:
        return []
    return [f"{name}=" for name in [*workspace.fieldset.names(), "stage"]
            if name.startswith(incomplete)]


def filter_argument(example: str = "owner=@me, value>=1M, next_action<=today, name~kovacs"
                    ) -> typer.models.ArgumentInfo:
    """Return the FILTER... argument that list, export, archive and reassign share."""
    from pandai.i18n import _

    return typer.Argument(
        help=_("Filters FIELD OP VALUE, all of which must hold, such as {example}.").format(
            example=example),
        show_default=False, autocompletion=field_assignments)
