"""Turning one import row into a client, with what was repaired, noticed or found invalid.

The row's cells go through the column mapping: fields are converted by type (see
:mod:`pandai.importing.cells`), e-mails and phones are gathered from every column that contains
them (see :mod:`pandai.importing.contacts`), and statuses and owners go through the
``--status-map`` and ``--owner-map`` values first. Unknown statuses and owners are collected
apart from invalid values, so that the importer can list each distinct value once with its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pandai import fields as fieldtypes
from pandai.client import Client
from pandai.errors import FieldError
from pandai.i18n import _
from pandai.importing.cells import (DamagedValue, cell_text, convert_birthday, convert_cell,
                                    repair_phone)
from pandai.importing.contacts import KINDS, choose, gather, header_facts, type_columns
from pandai.importing.readers import Row, Table
from pandai.importing.vcard import Photo
from pandai.parsing import fold
from pandai.workspace import Workspace

# Targets handled apart from the plain fields.
_CONTACT_TARGETS = {"email", "phone", "emails", "phones", "email_type", "phone_type"}


@dataclass
class RowResult:
    """A client built from a row, and the remarks the preview shows about the row."""

    client: Client
    notes: list = field(default_factory=list)  # texts, or note mappings of a JSON export
    history: list | None = None  # status_history of a JSON export
    photo: Any = None  # a vcard.Photo
    exported_id: str | None = None  # the id of a JSON export
    has_extras: bool = False
    invalid: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    unknown_status: str | None = None
    unknown_owner: str | None = None
    # The client's file text if it is created, when a second process rendered it beforehand.
    rendered: str | None = None


class RowBuilder:
    """Builds clients from the rows of one table with one mapping."""

    def __init__(self, workspace: Workspace, table: Table, mapping: list[str | None],
                 status_map: dict[str, str], owner_map: dict[str, str]):
        self.workspace = workspace
        self.table = table
        self.mapping = mapping
        self.status_map = status_map
        self.owner_map = owner_map
        self.pairs = type_columns(table.headers, mapping)
        self.facts = header_facts(table.headers)

    def build(self, row: Row) -> RowResult:
        """Return the client of ``row`` with its remarks; invalid cells are listed, not raised."""
        result = RowResult(Client(""), remarks=list(row.remarks))
        given = family = ""
        birth_parts: dict[str, Any] = {}
        for target, value in zip(self.mapping, row.values):
            if target is None or target in _CONTACT_TARGETS or _is_empty(value):
                continue
            if target == "given_name":
                given = cell_text(value)
            elif target == "family_name":
                family = cell_text(value)
            elif target == "notes":
                result.notes += value if isinstance(value, list) else [cell_text(value)]
            elif target == "status_history" and isinstance(value, list):
                result.history = [_entry(item) for item in value if isinstance(item, dict)]
            elif target == "photo":
                # Only a vCard gives a decoded photo; a JSON export has none to give.
                result.photo = value if isinstance(value, Photo) else None
            elif target == "id":
                result.exported_id = cell_text(value)
            elif target == "birthday":
                self._birthday(result, value)
            elif target in ("birth_year", "birth_month", "birth_day"):
                birth_parts[target] = value
            else:
                self._field(result, target, value)

        # Both name parts give the name in Hungarian order, even beside a full-name column,
        # which address books fill in Western order.
        if family and given:
            result.client.set("name", f"{family} {given}")
        elif result.client.get("name") is None and (family or given):
            result.client.set("name", family or given)
        if len(birth_parts) == 3:
            self._birthday(result, "{birth_year}-{birth_month:0>2}-{birth_day:0>2}".format(
                **{key: cell_text(value) for key, value in birth_parts.items()}))
        self._contacts(result, row)
        if result.client.get("name") is None and "name" not in self.mapping \
                and not {"given_name", "family_name"} & set(self.mapping):
            # Without a name column, a client is named after its e-mail or phone, as address
            # books show such a contact.
            result.client.set("name", result.client.get("email") or result.client.get("phone"))
        return result

    def _birthday(self, result: RowResult, value: Any) -> None:
        try:
            result.client.data["birthday"] = convert_birthday(value, self.table.date1904)
        except ValueError as error:
            result.invalid.append(_("{field} {value!r}: {reason}").format(
                field=_("Birthday"), value=cell_text(value), reason=error))

    def _field(self, result: RowResult, target: str, value: Any) -> None:
        item = self.workspace.fieldset.get(target)
        if item.type == "status":
            value = self.status_map.get(fold(cell_text(value)), value)
            status = self.workspace.statuses.find(cell_text(value))
            if status is None:
                result.unknown_status = cell_text(value)
            else:
                result.client.set("status", status.name)
            return
        if item.type == "person":
            value = self.owner_map.get(fold(cell_text(value)), value)
        try:
            converted, remark = convert_cell(self.workspace, item, value, self.table.date1904)
        except ValueError as error:
            if item.type == "person":
                result.unknown_owner = cell_text(value)
                return
            result.invalid.append(_("{field} {value!r}: {reason}").format(
                field=item.title(), value=cell_text(value), reason=error))
            return
        if remark:
            result.repairs.append(_("{field} {remark}").format(field=item.title(), remark=remark))
        result.client.set(item.name, converted)

    def _contacts(self, result: RowResult, row: Row) -> None:
        failures = []
        for kind in KINDS:
            candidates = gather(kind, self.facts, self.mapping, row.values, self.pairs,
                                self.table.keyed)
            item = self.workspace.fieldset.get(kind)
            choice = choose(candidates, lambda value: self._contact(result, item, value),
                            DamagedValue)
            if choice.damaged:
                result.invalid.append(_("{field} {value!r}: {reason}").format(
                    field=item.title(), value=choice.damaged[0], reason=choice.damaged[1]))
            if choice.primary is not None:
                result.client.set(kind, choice.primary)
            if choice.extras:
                result.client.data[kind + "s"] = choice.extras
                result.has_extras = True
            failures += [(item, value, reason) for value, reason in choice.failures]

        valid = result.client.get("email") is not None or result.client.get("phone") is not None
        if failures and not valid and not self.table.keyed:
            # A text table must give at least one valid e-mail or phone. vCard and JSON rows
            # keep what the address book contained, under emails and phones.
            item, value, reason = failures[0]
            result.invalid.append(_("{field} {value!r}: {reason}").format(
                field=item.title(), value=value, reason=reason))
            return
        for item, value, reason in failures:
            key = "emails" if item.name == "email" else "phones"
            result.remarks.append(_("{field} {value!r} is not valid ({reason}), so it is kept "
                                    "as written under {key}").format(
                field=item.title(), value=value, reason=reason, key=key))

    def _contact(self, result: RowResult, item: fieldtypes.Field, value: Any) -> str:
        """Convert an e-mail or phone; raise ValueError with the reason, DamagedValue apart."""
        if item.type == "phone":
            repaired, changed = repair_phone(value, self.workspace.config.phone_region)
            if changed:
                result.repairs.append(
                    _("phone {value} looked damaged by a spreadsheet and was read as {phone}")
                    .format(value=cell_text(value), phone=repaired))
            value = repaired
        try:
            return fieldtypes.from_input(item, cell_text(value), self.workspace)
        except FieldError as error:
            raise ValueError(str(error.__cause__ or error.message)) from None


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _entry(item: dict) -> dict:
    """Return a note or status history entry of a JSON export with its ``at`` parsed."""
    entry = {str(key): value for key, value in item.items() if value is not None}
    at = entry.get("at")
    if isinstance(at, str):
        try:
            entry["at"] = date.fromisoformat(at) if len(at) == 10 else datetime.fromisoformat(at)
        except ValueError:
            pass
    return entry


def note_entries(notes: list, when: datetime, user: str) -> list[dict]:
    """Return the notes of a row as note mappings: texts become notes by ``user`` at ``when``."""
    entries = []
    for note in notes:
        if isinstance(note, dict) and note.get("text"):
            entries.append(_entry(note))
        elif isinstance(note, str) and note.strip():
            entries.append({"at": when, "by": user, "kind": "note", "text": note})
    return entries
