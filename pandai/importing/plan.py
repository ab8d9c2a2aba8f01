"""Turning the rows of an import file into clients, and writing them all or none.

:func:`plan_import` reads and converts every row before anything is written, and sorts each row
into created, updated, skipped as a duplicate (within the file or of an existing client),
skipped as incomplete (no e-mail and no phone), or invalid. :func:`apply_plan` writes the result
in one change and one commit; an invalid row blocks the whole import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pandai import fields as fieldtypes
from pandai import store, yamlio
from pandai.actions import now
from pandai.client import Client, make_id
from pandai.errors import FieldError, InvalidInput
from pandai.i18n import _
from pandai.importing.headers import guess_mapping, parse_map_option
from pandai.importing.readers import Table, read_table
from pandai.parsing import amount_to_int, fold, parse_amount, parse_date
from pandai.workspace import Workspace


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
    created: list[tuple[int, Client]] = field(default_factory=list)
    updated: list[tuple[int, Client]] = field(default_factory=list)
    duplicates: list[RowIssue] = field(default_factory=list)
    incomplete: list[RowIssue] = field(default_factory=list)
    invalid: list[RowIssue] = field(default_factory=list)
    remarks: list[RowIssue] = field(default_factory=list)

    @property
    def unmapped(self) -> list[str]:
        """Headers of the columns that no field takes."""
        return [header for header, target in zip(self.table.headers, self.mapping)
                if target is None]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    return str(value).strip()


def repair_phone(value: Any) -> tuple[str, bool]:
    """Return phone text with the damage spreadsheets do undone, and whether it was repaired.

    Excel stores ``06301234567`` as the number 6301234567 and ``+36301234567`` as 36301234567.
    """
    text = _text(value)
    digits = "".join(char for char in text if char.isdigit())
    if not (isinstance(value, (int, float)) or text == digits):
        return text, False
    if len(digits) == 11 and digits.startswith("36"):
        return "+" + digits, True
    if len(digits) == 10 and digits.startswith("6"):
        return "0" + digits, True
    return text, False


def _convert_cell(workspace: Workspace, item: fieldtypes.Field, value: Any) -> Any:
    """Convert one cell to a field value; raise ValueError with the reason."""
    if item.type == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        return parse_date(_text(value), workspace.today)
    if item.type in ("money", "number"):
        if isinstance(value, (int, float)):
            return int(round(value))
        return amount_to_int(parse_amount(_text(value)))
    if item.type == "person":
        member = workspace.team.resolve(_text(value))
        if member is not None:
            return member.id
        if workspace.team.members:
            raise ValueError(_("not a team member; choose one of: {choices}").format(
                choices=", ".join(workspace.team.ids())))
        return _text(value)
    if item.type == "source":
        known = next((source for source in workspace.statuses.sources
                      if fold(source) == fold(_text(value))), None)
        return known or _text(value)
    try:
        return fieldtypes.from_input(item, _text(value), workspace)
    except FieldError as error:
        raise ValueError(error.message) from None


def _row_client(workspace: Workspace, plan: ImportPlan, number: int, values: list[Any]
                ) -> tuple[Client, str | None]:
    """Build a client from a row; return it and the text of its notes column."""
    client = Client("")
    note = None
    given = family = ""
    for target, value in zip(plan.mapping, values):
        if target is None or value is None or _text(value) == "":
            continue
        if target == "given_name":
            given = _text(value)
            continue
        if target == "family_name":
            family = _text(value)
            continue
        if target == "notes":
            note = _text(value)
            continue
        item = workspace.fieldset.get(target)
        if item.type == "phone":
            repaired, changed = repair_phone(value)
            if changed:
                plan.remarks.append(RowIssue(number, _(
                    "phone {value} looked damaged by a spreadsheet and was read as {phone}")
                    .format(value=_text(value), phone=repaired)))
            value = repaired
        try:
            client.set(item.name, _convert_cell(workspace, item, value))
        except ValueError as error:
            plan.invalid.append(RowIssue(number, _("{field} {value!r}: {reason}").format(
                field=item.title(), value=_text(value), reason=error)))
    if client.get("name") is None and (family or given):
        # Hungarian order: family name first.
        client.set("name", " ".join(part for part in (family, given) if part))
    return client, note


def _keys(client: Client) -> list[tuple[str, str]]:
    keys = []
    if client.get("email"):
        keys.append(("email", str(client.get("email")).lower()))
    if client.get("phone"):
        keys.append(("phone", str(client.get("phone"))))
    keys.append(("name", fold(client.name) + "|" + fold(str(client.get("company", "")))))
    return keys


_REASONS = {"email": "same e-mail", "phone": "same phone", "name": "same name and company"}


def plan_import(workspace: Workspace, path: Path, map_option: str | None = None,
                on_duplicate: str = "skip", encoding: str | None = None,
                delimiter: str | None = None, sheet: str | None = None) -> ImportPlan:
    """Read an import file and decide what happens to each row, writing nothing."""
    if on_duplicate not in ("skip", "update"):
        raise InvalidInput(_("Unknown --on-duplicate value {value!r}; use skip or update.")
                           .format(value=on_duplicate))
    table = read_table(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    mapping = guess_mapping(table.headers)
    if map_option:
        overrides = parse_map_option(map_option, table.headers)
        for index, target in overrides.items():
            # A field given to a column with --map is taken from the column it was guessed for.
            for other, guessed in enumerate(mapping):
                if target is not None and guessed == target and other not in overrides:
                    mapping[other] = None
            mapping[index] = target
    if "name" not in mapping and not {"given_name", "family_name"} & set(mapping):
        raise InvalidInput(
            _("{path}: no column holds the client's name. Columns: {headers}. Map one with "
              "--map \"COLUMN=name\".").format(path=path, headers=", ".join(table.headers)))

    plan = ImportPlan(path, table, mapping)
    existing = store.load_clients(workspace).clients
    known: dict[tuple[str, str], Client] = {}
    for client in existing:
        for key in _keys(client):
            known.setdefault(key, client)
    seen: dict[tuple[str, str], int] = {}
    taken = store.client_ids(workspace)
    user = workspace.author()
    first_status = workspace.statuses.first()

    for row in table.rows:
        invalid_before = len(plan.invalid)
        client, note = _row_client(workspace, plan, row.number, row.values)
        if len(plan.invalid) > invalid_before:
            continue
        if client.get("name") is None:
            plan.incomplete.append(RowIssue(row.number, _("no name")))
            continue
        if client.get("email") is None and client.get("phone") is None:
            plan.incomplete.append(RowIssue(row.number, _("no e-mail and no phone")))
            continue
        keys = _keys(client)
        earlier = next(((key, seen[key]) for key in keys if key in seen), None)
        if earlier:
            plan.duplicates.append(RowIssue(row.number, _("{reason} as row {row}").format(
                reason=_(_REASONS[earlier[0][0]]), row=earlier[1])))
            continue
        for key in keys:
            seen[key] = row.number
        match = next(((key, known[key]) for key in keys if key in known), None)
        if match:
            if on_duplicate == "skip":
                plan.duplicates.append(RowIssue(row.number, _("{reason} as {id}").format(
                    reason=_(_REASONS[match[0][0]]), id=match[1].id)))
                continue
            target = match[1]
            changed = False
            for key, value in client.data.items():
                if target.get(key) is None:
                    target.set(key, value)
                    changed = True
            if note:
                target.add_note(now(), user, "note", note)
                changed = True
            if changed:
                plan.updated.append((row.number, target))
            else:
                plan.duplicates.append(RowIssue(row.number, _("nothing new for {id}").format(
                    id=target.id)))
            continue

        if client.get("status") is None and first_status:
            client.set("status", first_status)
        client.set("created", workspace.today)
        client.id = make_id(client.name, taken)
        taken.add(client.id)
        if client.get("status"):
            client.record_status(workspace.today, user, None, client.get("status"))
        if note:
            client.add_note(now(), user, "note", note)
        plan.created.append((row.number, client))
    return plan


def apply_plan(workspace: Workspace, plan: ImportPlan) -> bool:
    """Write the plan's clients in one change and commit; return True when a commit was made.

    Raise InvalidInput when any row is invalid, so that nothing is written.
    """
    if plan.invalid:
        raise InvalidInput(_("{path}: {count} rows have invalid values; nothing was imported. "
                             "Fix them in the file, or map the column differently with --map.")
                           .format(path=plan.path, count=len(plan.invalid)))
    clients = [client for _row, client in (*plan.created, *plan.updated)]
    if not clients:
        return False
    message = "import {name}: {created} created, {updated} updated".format(
        name=plan.path.name, created=len(plan.created), updated=len(plan.updated))
    with store.Change(workspace, message) as change:
        pairs = [(store.client_path(workspace, client), store.render_client(workspace, client))
                 for client in clients]
        yamlio.write_all(pairs)
        for path, _text_unused in pairs:
            change.track(path)
    return change.committed
