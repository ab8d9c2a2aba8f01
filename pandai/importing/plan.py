"""Planning an import row by row, and writing it all or nothing in one commit.

:func:`plan_import` reads every row before anything is written, and sorts it into created,
updated (``--on-duplicate update`` or ``merge``), skipped as a duplicate, skipped as incomplete
(no name, or no e-mail and no phone), or invalid. A duplicate has the same e-mail, the same
phone, or the same name and company as an earlier row or an existing client. Statuses and owners that are not in the
workspace are collected by value. An invalid row or an unknown value blocks the whole import.

Memory stays bounded on large files: rows are streamed, and when a :class:`store.Change` is
given, each new client is rendered and staged in a temporary file as soon as its row is read,
so the plan keeps counts and the rows to report, never the new clients themselves.
:func:`execute_import` runs the planning inside a change, so the staged files are renamed into
place and committed together at the end, or removed when anything fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from pandai import store
from pandai.actions import now
from pandai.client import Client, make_id
from pandai.errors import InvalidInput
from pandai.i18n import _, ngettext
from pandai.importing.checking import CheckedRows
from pandai.importing.headers import guess_mapping, parse_map_option
from pandai.importing.mappings import (SavedMapping, imports_path, load_mapping,
                                       parse_value_map, render_saved, resolve_owner_map,
                                       resolve_status_map)
from pandai.importing.readers import Table, read_table
from pandai.importing.rows import RowBuilder, RowResult, note_entries
from pandai.importing.updating import apply_row
from pandai.parsing import fold
from pandai.workspace import Workspace

ON_DUPLICATE = ("skip", "update", "merge")
# Keys of a keyed (vCard or JSON) table that are imported besides the workspace's fields.
KEYED_TARGETS = ("notes", "status_history", "emails", "phones", "birthday", "photo", "id")
_REASONS = {"email": "same e-mail", "phone": "same phone", "name": "same name and company"}
_PROGRESS_EVERY = 500  # rows between two calls of the progress callback


@dataclass
class ImportOptions:
    """How to read and map an import file, and what to do with duplicates."""

    map_text: str | None = None  # --map
    mapping_name: str | None = None  # --mapping: a mapping saved in imports.yaml
    status_map: str | None = None  # --status-map
    owner_map: str | None = None  # --owner-map
    on_duplicate: str = "skip"
    overwrite: bool = False
    keep_incomplete: bool = False  # import rows without e-mail and phone too
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    # Column targets chosen at the interactive prompt, by column index; they win over --map.
    remap: dict[int, str | None] = field(default_factory=dict)


@dataclass
class RowIssue:
    """A problem or remark about one row, shown in the preview as ``row N: message``."""

    row: int
    message: str


@dataclass
class ImportPlan:
    """The outcome of an import for every row, computed before anything is written."""

    path: Path
    table: Table
    mapping: list[str | None]
    saved: SavedMapping  # the mapping in the form --save-mapping stores
    created: int = 0
    updated: list[RowIssue] = field(default_factory=list)
    duplicates: list[RowIssue] = field(default_factory=list)
    incomplete: list[RowIssue] = field(default_factory=list)
    invalid: list[RowIssue] = field(default_factory=list)
    repairs: list[RowIssue] = field(default_factory=list)
    remarks: list[RowIssue] = field(default_factory=list)
    unknown_statuses: dict[str, list[int]] = field(default_factory=dict)
    unknown_owners: dict[str, list[int]] = field(default_factory=dict)
    # Existing clients the import changes, by id; saved when the import is applied.
    targets: dict[str, Client] = field(default_factory=dict)
    known_statuses: list[str] = field(default_factory=list)  # for the unknown-status error
    # Photo folders created for staged photos, removed again when the import fails.
    photo_folders: list[Path] = field(default_factory=list)

    @property
    def unmapped(self) -> list[str]:
        """Headers of the columns that no field takes."""
        return [header for header, target in zip(self.table.headers, self.mapping)
                if target is None]

    @property
    def named_by_contact(self) -> bool:
        """True when no column contains the name, so clients are named after their e-mail."""
        return not {"name", "given_name", "family_name"} & set(self.mapping)

    @property
    def blocked(self) -> bool:
        """True when invalid rows or unknown statuses or owners keep the import from running."""
        return bool(self.invalid or self.unknown_statuses or self.unknown_owners)

    def counts(self) -> tuple[int, int]:
        """Return the numbers of new and updated clients."""
        return self.created, len(self.targets)


@dataclass
class NewClientDefaults:
    """The values every new client of an import gets besides its row, read once at the start."""

    first_status: str | None
    today: date
    user: str
    now: datetime

    @classmethod
    def of(cls, workspace: Workspace) -> NewClientDefaults:
        return cls(workspace.statuses.first(), workspace.today, workspace.author(), now())


def fill_new_client(client: Client, result: RowResult, defaults: NewClientDefaults) -> None:
    """Give a new client its first status, creation date, status history and notes."""
    if client.get("status") is None and defaults.first_status:
        client.set("status", defaults.first_status)
    if client.get("created") is None:
        client.set("created", defaults.today)
    if result.history:
        client.data["status_history"] = result.history
    elif client.get("status"):
        client.record_status(defaults.today, defaults.user, None, client.get("status"))
    notes = note_entries(result.notes, defaults.now, defaults.user)
    if notes:
        client.data["notes"] = notes


def render_new_client(workspace: Workspace, result: RowResult,
                      defaults: NewClientDefaults) -> str | None:
    """Return the file text the row's client gets if it is created, without changing it.

    Return None for a row that is invalid, or has a photo, which adds to the client's files.
    """
    if result.invalid or result.photo is not None:
        return None
    client = Client(result.client.id, dict(result.client.data))
    fill_new_client(client, result, defaults)
    return store.render_client(workspace, client)


def open_table(workspace: Workspace, path: Path, options: ImportOptions
               ) -> tuple[Table, list[str | None], SavedMapping]:
    """Read the header of an import file and decide the target of each column.

    The guess from the headers is overridden by the saved mapping of ``--mapping``, then by
    ``--map``, then by the interactive choices. Returns the table, its mapping, and the mapping
    with its value maps in the form imports.yaml stores. Raise InvalidInput when no column
    contains the name.
    """
    if options.on_duplicate not in ON_DUPLICATE:
        raise InvalidInput(_("Unknown --on-duplicate value {value!r}; use skip, update or "
                             "merge.").format(value=options.on_duplicate))
    table = read_table(path, encoding=options.encoding, delimiter=options.delimiter,
                       sheet=options.sheet)
    if table.keyed:
        known = {*workspace.fieldset.names(), *KEYED_TARGETS}
        mapping = [header if header in known else None for header in table.headers]
    else:
        mapping = guess_mapping(table.headers)

    saved = load_mapping(workspace, options.mapping_name) if options.mapping_name else \
        SavedMapping()
    overrides = saved.column_targets(table.headers)
    if options.map_text:
        overrides.update(parse_map_option(options.map_text, table.headers, path=path))
    overrides.update(options.remap)
    _apply_overrides(mapping, overrides)

    if "name" not in mapping and not {"given_name", "family_name", "email", "phone"} & set(mapping):
        raise InvalidInput(
            _("{path}: no column holds the client's name. Columns: {headers}. Map one with "
              "--map \"COLUMN=name\".").format(path=path, headers=", ".join(table.headers)))
    saved.columns = dict(zip(table.headers, mapping))
    saved.status_map.update(parse_value_map(options.status_map, "--status-map"))
    saved.owner_map.update(parse_value_map(options.owner_map, "--owner-map"))
    return table, mapping, saved


def _apply_overrides(mapping: list[str | None], overrides: dict[int, str | None]) -> None:
    from pandai.importing.headers import REPEATABLE_TARGETS

    for index, target in overrides.items():
        # A field given to a column is taken from the column it was guessed for.
        for other, guessed in enumerate(mapping):
            if (target is not None and guessed == target and other not in overrides
                    and target not in REPEATABLE_TARGETS):
                mapping[other] = None
        mapping[index] = target


def plan_import(workspace: Workspace, path: Path, options: ImportOptions | None = None,
                progress: Callable[[int], None] | None = None,
                change: store.Change | None = None) -> ImportPlan:
    """Read an import file and decide what happens to each row.

    Without ``change`` nothing is written. With it, each new client (and its photo) is staged
    in the change as its row is read. ``progress`` is called with the number of rows read.
    """
    options = options or ImportOptions()
    table, mapping, saved = open_table(workspace, path, options)
    plan = ImportPlan(path, table, mapping, saved, known_statuses=workspace.statuses.names())
    builder = RowBuilder(workspace, table, mapping,
                         resolve_status_map(workspace, saved.status_map),
                         resolve_owner_map(workspace, saved.owner_map))
    def reopen() -> Table:
        return read_table(path, encoding=options.encoding, delimiter=options.delimiter,
                          sheet=options.sheet)

    defaults = NewClientDefaults.of(workspace)

    def render(result: RowResult) -> None:
        result.rendered = render_new_client(workspace, result, defaults)

    count = 0
    # A large file's rows are checked in worker processes, which start before the planner
    # reads the workspace's clients, so that all run at once. When the import stages files,
    # the workers also render each row's client as new.
    prepare = render if change is not None else None
    with CheckedRows(builder, table, reopen, prepare) as checked:
        planner = _Planner(workspace, plan, options, change, defaults)
        for number, result in checked:
            planner.add(number, result)
            count += 1
            if progress and count % _PROGRESS_EVERY == 0:
                progress(count)
    if progress:
        progress(count)
    return plan


class _Planner:
    """Sorts built rows into the plan's groups and stages new clients."""

    def __init__(self, workspace: Workspace, plan: ImportPlan, options: ImportOptions,
                 change: store.Change | None, defaults: NewClientDefaults):
        self.workspace = workspace
        self.plan = plan
        self.options = options
        self.change = change
        self.defaults = defaults
        self.known: dict[tuple[str, str], Client] = {}
        for client in store.load_clients(workspace).clients:
            for key in _keys(client):
                self.known.setdefault(key, client)
        self.seen: dict[tuple[str, str], int] = {}
        self.taken = store.client_ids(workspace)

    def add(self, number: int, result: RowResult) -> None:
        plan = self.plan
        plan.repairs += [RowIssue(number, text) for text in result.repairs]
        plan.remarks += [RowIssue(number, text) for text in result.remarks]
        if result.unknown_status:
            plan.unknown_statuses.setdefault(result.unknown_status, []).append(number)
        if result.unknown_owner:
            plan.unknown_owners.setdefault(result.unknown_owner, []).append(number)
        if result.invalid:
            plan.invalid += [RowIssue(number, text) for text in result.invalid]
            return
        client = result.client
        if client.get("name") is None:
            plan.incomplete.append(RowIssue(number, _("no name")))
            return
        if client.get("email") is None and client.get("phone") is None \
                and not result.has_extras and not self.options.keep_incomplete:
            plan.incomplete.append(RowIssue(number, _("no e-mail and no phone")))
            return

        keys = _keys(client)
        earlier = next(((key, self.seen[key]) for key in keys if key in self.seen), None)
        if earlier:
            plan.duplicates.append(RowIssue(number, _("{reason} as row {row}").format(
                reason=_(_REASONS[earlier[0][0]]), row=earlier[1])))
            return
        for key in keys:
            self.seen[key] = number
        match = next(((key, self.known[key]) for key in keys if key in self.known), None)
        if match:
            self._duplicate(number, result, _(_REASONS[match[0][0]]), match[1])
        else:
            self._create(result)

    def _duplicate(self, number: int, result: RowResult, reason: str, target: Client) -> None:
        plan = self.plan
        described = _("{reason} as {id}").format(reason=reason, id=target.id)
        if self.options.on_duplicate == "skip":
            plan.duplicates.append(RowIssue(number, described))
            return
        changes = apply_row(target, result, self.options.on_duplicate, self.options.overwrite,
                            self.defaults.today, self.defaults.now, self.defaults.user)
        if self.options.on_duplicate == "merge" and result.photo is not None \
                and not any(name.startswith("photo.") for name in target.files):
            self._stage_photo(target, result.photo)
            changes.append(_("adds the photo"))
        if not changes:
            plan.duplicates.append(RowIssue(number, _("{described}: nothing new").format(
                described=described)))
            return
        plan.targets[target.id] = target
        plan.updated.append(RowIssue(number, "{described}: {changes}".format(
            described=described, changes=", ".join(changes))))

    def _create(self, result: RowResult) -> None:
        client = result.client
        exported = result.exported_id
        if exported and exported not in self.taken and _is_slug(exported):
            client.id = exported
        else:
            client.id = make_id(client.name, self.taken)
        self.taken.add(client.id)

        if self.change is not None:
            # A worker process rendered the client as new already (see plan_import).
            text = result.rendered
            if text is None:
                fill_new_client(client, result, self.defaults)
                if result.photo is not None:
                    self._stage_photo(client, result.photo)
                text = store.render_client(self.workspace, client)
            self.change.stage(store.client_path(self.workspace, client), text)
        self.plan.created += 1

    def _stage_photo(self, client: Client, photo) -> None:
        name = f"photo.{photo.extension}"
        client.data["files"] = [*client.files, name]
        if self.change is not None:
            folder = self.workspace.files_dir / client.id
            if not folder.exists():
                self.plan.photo_folders.append(folder)
            self.change.stage(folder / name, photo.data)


def _is_slug(text: str) -> bool:
    return all(char.isascii() and (char.isalnum() or char in "-_") for char in text) \
        and not text.startswith(("-", "_"))


def _keys(client: Client) -> list[tuple[str, str]]:
    keys = []
    if client.get("email"):
        keys.append(("email", str(client.get("email")).lower()))
    if client.get("phone"):
        keys.append(("phone", str(client.get("phone"))))
    keys.append(("name", fold(client.name) + "|" + fold(str(client.get("company", "")))))
    return keys


def blocking_error(plan: ImportPlan) -> InvalidInput | None:
    """Return the error that keeps a blocked plan from being written, or None."""
    parts = []
    if plan.invalid:
        parts.append(ngettext(
            "{path}: {count} row has an invalid value; nothing was imported. Fix it in the "
            "file, or map the column differently with --map.",
            "{path}: {count} rows have invalid values; nothing was imported. Fix them in the "
            "file, or map the column differently with --map.", len(plan.invalid)).format(
            path=plan.path, count=len(plan.invalid)))
    if plan.unknown_statuses:
        placeholder = _("STATUS")
        example = ",".join(f"{value}={placeholder}" for value in plan.unknown_statuses)
        parts.append(_("{path}: unknown statuses: {values}. Known statuses: {known}. Map them "
                       "with --status-map \"{example}\", or add them to statuses.yaml.").format(
            path=plan.path, values=describe_values(plan.unknown_statuses),
            known=", ".join(plan.known_statuses), example=example))
    if plan.unknown_owners:
        placeholder = _("ID")
        example = ",".join(f"{value}={placeholder}" for value in plan.unknown_owners)
        parts.append(_("{path}: unknown owners: {values}. Map them to team members with "
                       "--owner-map \"{example}\", or add them with 'pandai team add ID --name "
                       "NAME'.").format(path=plan.path,
                                        values=describe_values(plan.unknown_owners),
                                        example=example))
    return InvalidInput("\n".join(parts)) if parts else None


def describe_values(values: dict[str, list[int]]) -> str:
    """Return ``"Lead" (rows 2, 5), "Won" (row 3)``, with at most ten rows a value."""
    parts = []
    for value, rows in values.items():
        shown = ", ".join(str(row) for row in rows[:10]) + (", …" if len(rows) > 10 else "")
        label = _("row {rows}") if len(rows) == 1 else _("rows {rows}")
        parts.append("\"{value}\" ({rows})".format(value=value, rows=label.format(rows=shown)))
    return ", ".join(parts)


def finish_import(workspace: Workspace, plan: ImportPlan, change: store.Change,
                  save_mapping: str | None = None) -> None:
    """Stage the changed clients and the saved mapping; raise the plan's blocking error."""
    error = blocking_error(plan)
    if error:
        raise error
    for client in plan.targets.values():
        change.save(client)
    if save_mapping:
        change.stage(imports_path(workspace), render_saved(workspace, save_mapping, plan.saved))
    change.message = "import {name}: {created} created, {updated} updated".format(
        name=plan.path.name, created=plan.created, updated=len(plan.targets))


def execute_import(workspace: Workspace, path: Path, options: ImportOptions, *,
                   save_mapping: str | None = None, expected: ImportPlan | None = None,
                   progress: Callable[[int], None] | None = None,
                   on_plan: Callable[[ImportPlan], None] | None = None) -> tuple[ImportPlan, bool]:
    """Plan the import under the workspace lock, stage it, and commit it all or nothing.

    ``on_plan`` receives the plan before anything is renamed into place (to show the preview).
    ``expected`` is the plan the user confirmed: when the workspace changed since and the
    counts differ, InvalidInput is raised and nothing is written. Returns the plan and whether
    a commit was made.
    """
    plan = None
    try:
        with store.Change(workspace, "import") as change:
            plan = plan_import(workspace, path, options, progress, change)
            if on_plan:
                on_plan(plan)
            if expected is not None and plan.counts() != expected.counts():
                raise InvalidInput(
                    _("The workspace changed while the preview was shown, so the import would "
                      "now create {created} and update {updated} clients. Nothing was imported. "
                      "Run the import again.").format(created=plan.created,
                                                      updated=len(plan.targets)))
            finish_import(workspace, plan, change, save_mapping)
    except BaseException:
        # The change removed the staged files; the folders made for photos go too.
        for folder in plan.photo_folders if plan else []:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    return plan, change.committed
