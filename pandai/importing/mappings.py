"""Saved column mappings (``imports.yaml``) and the value maps of ``--status-map`` and ``--owner-map``.

``imports.yaml`` at the top of the workspace keeps the mappings saved with
``pandai import --save-mapping NAME`` for the next import of the same kind of file::

    mappings:
      google:
        columns: {Given Name: given_name, Family Name: family_name, Labels: ""}
        status_map: {Lead: Új lead, Won: Ügyfél (megnyert)}
        owner_map: {Zoli: bela}

``columns`` maps a header to a target, where an empty target ignores the column. Headers are
compared through :func:`pandai.importing.headers.normalize_header`, values of the maps through
:func:`pandai.parsing.fold`, so case and accents do not matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pandai import yamlio
from pandai.errors import InvalidInput
from pandai.i18n import _
from pandai.importing.headers import MAPPING_TARGETS, normalize_header
from pandai.parsing import fold
from pandai.workspace import Workspace

IMPORTS_FILE = "imports.yaml"


@dataclass
class SavedMapping:
    """One named mapping of imports.yaml."""

    columns: dict[str, str | None] = field(default_factory=dict)
    status_map: dict[str, str] = field(default_factory=dict)
    owner_map: dict[str, str] = field(default_factory=dict)

    def column_targets(self, headers: list[str]) -> dict[int, str | None]:
        """Return the target of each column whose header the mapping names, by column index."""
        by_header = {normalize_header(header): target for header, target in self.columns.items()}
        return {index: by_header[normalize_header(header)]
                for index, header in enumerate(headers)
                if normalize_header(header) in by_header}


def imports_path(workspace: Workspace) -> Path:
    """Return the path of imports.yaml."""
    return workspace.root / IMPORTS_FILE


def _read_all(workspace: Workspace) -> dict:
    path = imports_path(workspace)
    if not path.exists():
        return {}
    data = yamlio.read(path)
    mappings = data.get("mappings") if isinstance(data, dict) else None
    if data is not None and not isinstance(mappings, dict):
        raise InvalidInput(_("{path}: expected a 'mappings:' section with one entry per saved "
                             "mapping. Fix the file or restore it with git.").format(path=path))
    return mappings or {}


def load_mapping(workspace: Workspace, name: str) -> SavedMapping:
    """Return the mapping saved as ``name``; raise InvalidInput listing the saved names."""
    mappings = _read_all(workspace)
    entry = mappings.get(name)
    if not isinstance(entry, dict):
        known = ", ".join(mappings) or _("none yet")
        raise InvalidInput(
            _("No saved import mapping named {name!r} in {file}. Saved mappings: {known}. Save "
              "one with 'pandai import FILE --save-mapping NAME'.").format(
                name=name, file=IMPORTS_FILE, known=known))
    columns = entry.get("columns") if isinstance(entry.get("columns"), dict) else {}
    targets = {str(header): (str(target) or None) if target is not None else None
               for header, target in columns.items()}
    for header, target in targets.items():
        if target is not None and target not in MAPPING_TARGETS:
            raise InvalidInput(
                _("{file}: mapping {name!r} sends column {header!r} to the unknown field "
                  "{target!r}. Valid fields are: {fields}.").format(
                    file=IMPORTS_FILE, name=name, header=header, target=target,
                    fields=", ".join(MAPPING_TARGETS)))
    return SavedMapping(targets, _string_map(entry.get("status_map")),
                        _string_map(entry.get("owner_map")))


def _string_map(raw) -> dict[str, str]:
    return {str(key): str(value) for key, value in raw.items()} if isinstance(raw, dict) else {}


def render_saved(workspace: Workspace, name: str, mapping: SavedMapping) -> str:
    """Return the text of imports.yaml with ``name`` added or replaced, the others kept."""
    check_mapping_name(name)
    mappings = dict(_read_all(workspace))
    entry: dict = {"columns": {header: target or "" for header, target in mapping.columns.items()}}
    if mapping.status_map:
        entry["status_map"] = dict(mapping.status_map)
    if mapping.owner_map:
        entry["owner_map"] = dict(mapping.owner_map)
    mappings[name] = entry
    return yamlio.dump({"mappings": mappings})


def check_mapping_name(name: str) -> None:
    """Reject an empty mapping name, or one with characters that need quoting on a shell."""
    if not name or not all(char.isalnum() or char in "-_." for char in name):
        raise InvalidInput(_("Invalid mapping name {name!r}: use letters, digits, '-' and '_'.")
                           .format(name=name))


def parse_value_map(text: str | None, option: str) -> dict[str, str]:
    """Parse ``"Lead=Új lead,Won=Ügyfél (megnyert)"``; raise InvalidInput for a bad entry."""
    result: dict[str, str] = {}
    for entry in (text or "").split(","):
        if not entry.strip():
            continue
        source, separator, target = entry.partition("=")
        if not separator or not source.strip() or not target.strip():
            raise InvalidInput(
                _("Invalid {option} entry {entry!r}: write it as VALUE=NEW, such as "
                  "\"Lead=Új lead\".").format(option=option, entry=entry.strip()))
        result[source.strip()] = target.strip()
    return result


def resolve_status_map(workspace: Workspace, raw: dict[str, str]) -> dict[str, str]:
    """Return the status map keyed by folded file value; raise InvalidInput for an unknown target."""
    resolved = {}
    for source, target in raw.items():
        status = workspace.statuses.find(target)
        if status is None:
            raise InvalidInput(
                _("--status-map: {target!r} is not a status of this workspace. Choose one of: "
                  "{choices}.").format(target=target,
                                       choices=", ".join(workspace.statuses.names())))
        resolved[fold(source)] = status.name
    return resolved


def resolve_owner_map(workspace: Workspace, raw: dict[str, str]) -> dict[str, str]:
    """Return the owner map keyed by folded file value; raise InvalidInput for an unknown member."""
    resolved = {}
    for source, target in raw.items():
        member = workspace.team.resolve(target)
        if member is None:
            raise InvalidInput(
                _("--owner-map: {target!r} is not a team member. Choose one of: {choices}, or "
                  "add one with 'pandai team add ID --name NAME'.").format(
                    target=target, choices=", ".join(workspace.team.ids()) or "-"))
        resolved[fold(source)] = member.id
    return resolved
