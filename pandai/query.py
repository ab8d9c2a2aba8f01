"""The filter language of ``list``, views and other commands, and sorting.

A filter is ``FIELD OP VALUE`` with OP one of ``= != < <= > >= ~`` (``~`` means "contains").
Field names may be keys, labels or aliases in Hungarian or English (``felelős=@én`` equals
``owner=@me``). Values are read by the field's type: dates accept ``today``, ``-30d`` and
Hungarian dates, money accepts ``1M`` and ``1 500 000``, people accept ``@me``; ``stage=open``
filters by the stage of the status, and an empty value (``owner=``) matches clients without one.
A comma separates alternatives (``status=Új lead,Ajánlat elküldve``), except in money and number
values, where a comma is a decimal mark (``value>=1,5M``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, Callable, Iterable

from pandai import fields as fieldtypes
from pandai.cached_client import FULL, ClientsView, SummaryView
from pandai.client import Client
from pandai.errors import InvalidInput
from pandai.fields import Field
from pandai.i18n import _
from pandai.parsing import amount_to_int, fold, parse_amount, parse_date
from pandai.workspace import Workspace

OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "~")
_FILTER = re.compile(r"^\s*([^=!<>~]+?)\s*(!=|<=|>=|=|<|>|~)\s*(.*)$", re.S)
_ME_WORDS = ("me", "en", "magam")


@dataclass
class Filter:
    """One parsed filter; ``values`` are converted to the field's type (None means empty).

    ``test`` takes a client's value for the field, as :func:`field_value` returns it.
    """

    text: str
    field: Field
    operator: str
    values: list[Any]
    test: Callable[[Any], bool]
    workspace: Workspace

    def __call__(self, client: Client) -> bool:
        return self.test(field_value(self.workspace, client, self.field))

    def select(self, view: SummaryView | ClientsView, positions: Iterable[int]) -> list[int]:
        """Return the positions in ``view`` whose client satisfies this filter.

        Where the view has the field's summary values, each distinct value is tested once and
        no client is built. A client whose value only its full data has is tested whole.
        """
        name = self.field.name
        if name == "id":
            column, convert = view.ids(), None
        else:
            column = view.column("status" if name == "stage" else name)
            convert = partial(view.value, "status" if name == "stage" else name)
        if column is None:
            return [position for position in positions if self(view.client(position))]
        positions = list(positions)
        verdicts: dict[Any, bool | None] = {}
        for raw in {column[position] for position in positions}:
            value = raw if convert is None else convert(raw)
            if value is FULL:
                verdicts[raw] = None
            elif name == "stage":
                verdicts[raw] = self.test(self.workspace.statuses.stage_of(value))
            else:
                verdicts[raw] = self.test(value)
        if None not in verdicts.values():
            return [position for position in positions if verdicts[column[position]]]
        return [position for position in positions if verdicts[column[position]] or (
            verdicts[column[position]] is None and self(view.client(position)))]


def field_value(workspace: Workspace, client: Client, item: Field) -> Any:
    """Return a client's value for a field, including the computed ``id`` and ``stage``."""
    if item.name == "id":
        return client.id
    if item.name == "stage":
        return workspace.statuses.stage_of(client.get("status"))
    if item.name == "notes":
        return "\n".join(str(note.get("text", "")) for note in client.notes
                         if isinstance(note, dict))
    return client.get(item.name)


def parse_filter(workspace: Workspace, text: str) -> Filter:
    """Parse one filter; raise InvalidInput saying what is wrong and showing the syntax."""
    match = _FILTER.match(text)
    if not match:
        raise InvalidInput(
            _("Invalid filter {filter!r}: write FIELD OP VALUE, for example owner=@me, "
              "value>=1M or next_action<=today (operators: = != < <= > >= ~).").format(
                filter=text))
    name, operator, raw_value = match.groups()
    item = workspace.fieldset.lookup(name)
    if item is None:
        known = ", ".join([*workspace.fieldset.names(), "id", "stage"])
        raise InvalidInput(
            _("Invalid filter {filter!r}: unknown field {field!r}. Known fields: {known}.")
            .format(filter=text, field=name.strip(), known=known))

    raw_value = raw_value.strip()
    splittable = item.type not in ("money", "number")
    parts = [part.strip() for part in raw_value.split(",")] if splittable else [raw_value]
    values = [_convert(workspace, item, part, text, strict=operator != "~")
              for part in parts] if raw_value else [None]
    if operator in ("<", "<=", ">", ">=") and item.type == "tags":
        # A client has a list of tags, which no tag is smaller or larger than.
        raise InvalidInput(
            _("Invalid filter {filter!r}: tags cannot be compared with {operator}. Use "
              "{field}=TAG, {field}!=TAG or {field}~TEXT.").format(
                filter=text, operator=operator, field=name.strip()))
    if operator in ("<", "<=", ">", ">=") and (None in values or len(values) > 1):
        raise InvalidInput(
            _("Invalid filter {filter!r}: {operator} needs exactly one value.").format(
                filter=text, operator=operator))
    return Filter(text, item, operator, values, _make_test(item, operator, values), workspace)


def _convert(workspace: Workspace, item: Field, text: str, whole: str, strict: bool = True
             ) -> Any:
    # With strict, statuses and people must exist: a typo would otherwise match nothing and
    # look like an empty result. "~" (contains) takes any text.
    try:
        if item.type == "date":
            return parse_date(text, workspace.today)
        if item.type in ("money", "number"):
            return amount_to_int(parse_amount(text))
        if item.type == "person":
            return _resolve_person(workspace, text, strict)
        if item.name == "stage":
            return _resolve_stage(text)
        if item.type == "status":
            status = workspace.statuses.find(text)
            if status is None and strict and workspace.statuses.statuses:
                raise ValueError(_("unknown status {status!r}; choose one of: {choices}").format(
                    status=text, choices=", ".join(workspace.statuses.names())))
            return status.name if status else text
    except ValueError as error:
        raise InvalidInput(_("Invalid filter {filter!r}: {reason}").format(
            filter=whole, reason=error)) from None
    return text


def _resolve_person(workspace: Workspace, text: str, strict: bool = True) -> str:
    if fold(text.lstrip("@")) in _ME_WORDS and text.startswith("@"):
        user = workspace.require_user()
        if workspace.team.members and workspace.team.get(user) is None:
            raise ValueError(_("you are {user!r}, who is not a team member; set PANDAI_USER to "
                               "one of: {choices}").format(user=user,
                                                           choices=", ".join(workspace.team.ids())))
        return user
    member = workspace.team.resolve(text)
    if member is None and strict and workspace.team.members:
        raise ValueError(_("{person!r} is not a team member; choose one of: {choices}, or @me")
                         .format(person=text, choices=", ".join(workspace.team.ids())))
    return member.id if member else text.lstrip("@")


_STAGE_WORDS = {"open": "open", "nyitott": "open", "won": "won", "megnyert": "won",
                "nyert": "won", "lost": "lost", "elvesztett": "lost", "vesztett": "lost",
                "inactive": "inactive", "inaktiv": "inactive"}


def _resolve_stage(text: str) -> str:
    stage = _STAGE_WORDS.get(fold(text))
    if stage is None:
        raise ValueError(_("unknown stage {stage!r}; use open, won, lost or inactive").format(
            stage=text))
    return stage


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, list):
        return [fold(str(item)) for item in value]
    return value


def _make_test(item: Field, operator: str, values: list[Any]) -> Callable[[Any], bool]:
    expected_values = [_comparable(value) for value in values]

    def equals(actual: Any, expected: Any) -> bool:
        if expected is None:
            return fieldtypes.is_empty(actual)
        if isinstance(actual, list):
            return expected in actual
        return actual == expected

    def contains(actual: Any, expected: Any) -> bool:
        if expected is None:
            return fieldtypes.is_empty(actual)
        if isinstance(actual, list):
            return any(str(expected) in str(element) for element in actual)
        return str(expected) in str(actual)

    def compare(actual: Any, expected: Any) -> bool:
        # Empty values and values that did not convert (kept as text) never match a comparison.
        if fieldtypes.is_empty(actual) or not isinstance(actual, type(expected)):
            return False
        return {"<": actual < expected, "<=": actual <= expected,
                ">": actual > expected, ">=": actual >= expected}[operator]

    def test(value: Any) -> bool:
        actual = _comparable(value)
        if operator == "=":
            return any(equals(actual, expected) for expected in expected_values)
        if operator == "!=":
            return not any(equals(actual, expected) for expected in expected_values)
        if operator == "~":
            return any(contains(actual, expected) for expected in expected_values)
        return compare(actual, expected_values[0])

    return test


def apply_filters(clients: list[Client], filters: list[Filter]) -> list[Client]:
    """Return the clients that satisfy every filter."""
    return [client for client in clients if all(check(client) for check in filters)]


def select(filters: list[Filter], view: SummaryView | ClientsView) -> list[int]:
    """Return the positions in ``view`` of the clients that satisfy every filter, in order."""
    positions: Iterable[int] = range(len(view))
    for check in filters:
        positions = check.select(view, positions)
    return list(positions)


def sort_clients(workspace: Workspace, clients: list[Client], spec: str) -> list[Client]:
    """Sort by comma-separated fields, ``-field`` descending; empty values always come last."""
    result = list(clients)
    keys = [part.strip() for part in spec.split(",") if part.strip()] if spec else []
    for key in reversed(keys):
        descending = key.startswith("-")
        if not key.lstrip("-+"):
            raise InvalidInput(_("Cannot sort by {key!r}: the field name is missing. Write a "
                                 "field after the sign, for example --sort -value.").format(
                key=key))
        item = workspace.fieldset.lookup(key.lstrip("-+"))
        if item is None:
            raise InvalidInput(_("Cannot sort by {field!r}: unknown field. Known fields: "
                                 "{known}.").format(field=key.lstrip("-+"),
                                                    known=", ".join(workspace.fieldset.names())))
        sort_key = _sort_key_function(workspace, item)
        present: list[tuple[Any, Client]] = []
        missing: list[Client] = []
        for client in result:
            value = field_value(workspace, client, item)
            if fieldtypes.is_empty(value):
                missing.append(client)
            else:
                present.append((sort_key(value), client))
        # Python's sort is stable, so equal keys keep the order of the previous key's sort.
        present.sort(key=lambda pair: pair[0], reverse=descending)
        result = [client for _key, client in present] + missing
    return result


def _sort_key_function(workspace: Workspace, item: Field) -> Callable[[Any], Any]:
    if item.type == "status":
        order = {name: index for index, name in reversed(list(
            enumerate(workspace.statuses.names())))}
        # A hand-edited file may hold a list or a mapping, which sorts after every status.
        return lambda value: (order.get(value, len(order)) if isinstance(value, str)
                              else len(order), fold(str(value)))
    return _sort_key


def _sort_key(value: Any) -> tuple:
    # Dates and amounts sort by value, and text after them. A hand-edited file may contain text
    # that did not convert ("holnapután") among the dates of the same field.
    if isinstance(value, (date, int)):
        return (0, value)
    if isinstance(value, list):
        return (1, fold(", ".join(str(element) for element in value)))
    return (1, fold(str(value)))


def search(clients: list[Client], text: str) -> list[Client]:
    """Return the clients whose name, company or e-mail contains ``text`` (accent-insensitive)."""
    from pandai.store import matches_search

    return [client for client in clients if matches_search(client, text)]
