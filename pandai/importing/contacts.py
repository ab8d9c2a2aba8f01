"""E-mail addresses and phone numbers of an import row: gathering them and choosing the primary.

A row may contain several of each. They come from several columns (Outlook's
``E-mail 2 Address``), from one cell with several values (Google Contacts joins them with
`` ::: `` and marks the primary type with ``* ``), or from a list (the ``emails`` and
``phones`` of a vCard or JSON row). The preferred value that is
valid becomes the field (``email``, ``phone``); the others are kept under ``emails`` and
``phones`` as ``{value, type}`` mappings, valid ones normalised and invalid ones as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from pandai.importing.cells import GOOGLE_SEPARATOR, cell_text
from pandai.importing.headers import is_primary_header, phone_type_of_header
from pandai.yamlio import FlowDict

_PRIMARY_MARK = "* "
KINDS = ("email", "phone")


@dataclass
class Candidate:
    """One e-mail address or phone number of a row, with its type and preference."""

    value: Any
    type: str | None
    preferred: bool
    order: int


@dataclass
class Choice:
    """The outcome for one kind: the field value, the others, and the values that failed."""

    primary: Any = None
    extras: list[FlowDict] | None = None
    failures: list[tuple[str, str]] | None = None  # (value as written, reason)
    damaged: tuple[str, str] | None = None  # a value a spreadsheet damaged beyond repair


def type_columns(headers: list[str], mapping: list[str | None]) -> dict[int, int]:
    """Pair each e-mail or phone column with its type column, by the number in their headers.

    Google Contacts writes ``E-mail 1 - Type`` before ``E-mail 1 - Value``. A type column
    whose number matches no value column goes with the next value column of its kind.
    """
    pairs: dict[int, int] = {}
    for index, target in enumerate(mapping):
        if target not in ("email_type", "phone_type"):
            continue
        kind = target[:-5]
        number = re.findall(r"\d+", headers[index])
        columns = [other for other, found in enumerate(mapping) if found == kind]
        same = [other for other in columns if re.findall(r"\d+", headers[other]) == number]
        later = [other for other in columns if other > index]
        match = (same or later or [None])[0]
        if match is not None and match not in pairs:
            pairs[match] = index
    return pairs


@dataclass(frozen=True)
class HeaderFacts:
    """The facts a column's header gives about its e-mails or phones, found once per table."""

    phone_type: str | None  # the type a phone header names ("Mobile Phone": cell)
    primary: bool  # the column contains the preferred value ("Primary Phone")


def header_facts(headers: list[str]) -> list[HeaderFacts]:
    """Return the :class:`HeaderFacts` of each column, for :func:`gather`."""
    return [HeaderFacts(phone_type_of_header(header), is_primary_header(header))
            for header in headers]


def gather(kind: str, facts: list[HeaderFacts], mapping: list[str | None], values: list[Any],
           pairs: dict[int, int], keyed: bool) -> list[Candidate]:
    """Return the candidates of ``kind`` ("email" or "phone") in a row, in column order."""
    found: list[Candidate] = []
    listed = kind + "s"
    for index, target in enumerate(mapping):
        if target != kind and target != listed:
            continue
        value = values[index]
        if value is None:
            continue
        if target == listed:
            if keyed and isinstance(value, list):
                for entry in value:
                    if isinstance(entry, dict) and entry.get("value") not in (None, ""):
                        found.append(Candidate(entry["value"], entry.get("type"), False,
                                               len(found)))
            continue
        texts = cell_text(value).split(GOOGLE_SEPARATOR) if isinstance(value, str) else [value]
        types = _types(values[pairs[index]]) if index in pairs else []
        header_type = None if keyed or kind != "phone" else facts[index].phone_type
        for position, text in enumerate(texts):
            if isinstance(text, str) and not text.strip():
                continue
            label, marked = types[position] if position < len(types) else (header_type, False)
            preferred = marked or (not keyed and facts[index].primary)
            found.append(Candidate(text.strip() if isinstance(text, str) else text, label,
                                   preferred, len(found)))
    return found


def _types(cell: Any) -> list[tuple[str | None, bool]]:
    types = []
    for text in cell_text(cell).split(GOOGLE_SEPARATOR) if cell is not None else []:
        marked = text.startswith(_PRIMARY_MARK)
        label = text[len(_PRIMARY_MARK):] if marked else text
        types.append((label.strip().lower() or None, marked))
    return types


def choose(candidates: list[Candidate], convert: Callable[[Any], Any],
           damaged_error: type[Exception]) -> Choice:
    """Pick the preferred valid candidate as the field value and keep the others as extras.

    ``convert`` normalises a value or raises ValueError with the reason. A ``damaged_error``
    is reported on its own, because it makes the row invalid in any import.
    """
    choice = Choice(extras=[], failures=[])
    kept: set[str] = set()
    for candidate in sorted(candidates, key=lambda item: (not item.preferred, item.order)):
        written = cell_text(candidate.value)
        try:
            value = convert(candidate.value)
        except damaged_error as error:
            choice.damaged = choice.damaged or (written, str(error))
            continue
        except ValueError as error:
            choice.failures.append((written, str(error)))
            value = written
        else:
            if choice.primary is None:
                choice.primary = value
                kept.add(str(value))
                continue
        if str(value) in kept:
            continue
        kept.add(str(value))
        entry = FlowDict(value=value)
        if candidate.type:
            entry["type"] = candidate.type
        choice.extras.append(entry)
    return choice
