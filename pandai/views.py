"""Saved views in ``views.yaml``: a title, filters, a sort order and columns under a name."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pandai import yamlio
from pandai.errors import FileError, InvalidInput
from pandai.i18n import _, current_language


@dataclass
class View:
    """A named, saved list of filters with its sort order and columns."""

    name: str
    title: str = ""
    filters: list[str] = field(default_factory=list)
    sort: str = ""
    columns: list[str] = field(default_factory=list)

    def to_file(self) -> dict[str, Any]:
        """Return the view as views.yaml stores it."""
        data: dict[str, Any] = {}
        if self.title:
            data["title"] = self.title
        data["filters"] = yamlio.FlowList(self.filters)
        if self.sort:
            data["sort"] = self.sort
        if self.columns:
            data["columns"] = yamlio.FlowList(self.columns)
        return data


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, str) and value:
        return [part.strip() for part in value.split(",") if part.strip()]
    return []


def load_views(path: Path, memo_dir: Path | None = None) -> dict[str, View]:
    """Read views.yaml into views by name, in file order; a missing file gives none."""
    if not path.exists():
        return {}
    raw = yamlio.read(path, memo_dir) or {}
    entries = raw.get("views") if isinstance(raw, dict) else None
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        raise FileError(_("{path}: expected a mapping of view names under 'views:'.").format(
            path=path), path)
    views = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise FileError(_("{path}: view {name!r} must be a mapping with filters.").format(
                path=path, name=name), path)
        title = entry.get("title", "")
        if isinstance(title, dict):
            title = title.get(current_language()) or next(iter(title.values()), "")
        views[str(name)] = View(str(name), str(title), _as_list(entry.get("filters")),
                                str(entry.get("sort", "")), _as_list(entry.get("columns")))
    return views


def save_views(path: Path, views: dict[str, View]) -> None:
    """Write all views to views.yaml, keeping any other top-level keys of the file."""
    raw = yamlio.read(path) if path.exists() else {}
    if not isinstance(raw, dict):
        raw = {}
    raw["views"] = {name: view.to_file() for name, view in views.items()}
    yamlio.write(path, raw)


def check_view_name(name: str) -> None:
    """Reject view names that are empty or would be awkward on a command line."""
    if not name or not all(char.isalnum() or char in "-_" for char in name):
        raise InvalidInput(
            _("Invalid view name {name!r}: use letters, digits, '-' and '_' only.").format(
                name=name))
