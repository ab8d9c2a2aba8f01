"""Likely duplicate clients, and pairs a person marked as not duplicates.

Two active clients are likely duplicates when they have the same e-mail (ignoring case), the same
phone number, or a similar name and company. Names are similar when they are equal ignoring
case, accents and punctuation, also after sorting their words (``Kiss Péter`` and ``Péter
Kiss``). Their companies must then be equal in the same way, or one of the two must be missing.

``duplicates.yaml`` at the top of the workspace lists the pairs a person has checked and found
to be different clients, so they are not reported again::

    not_duplicates:
    - [kiss-peter, kiss-peter-2]
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from pandai import fields as fieldtypes
from pandai import store, yamlio
from pandai.client import Client
from pandai.errors import FileError, InvalidInput
from pandai.fields import N_
from pandai.i18n import _
from pandai.parsing import fold
from pandai.workspace import Workspace

DUPLICATES_FILE = "duplicates.yaml"
REASONS = {"email": N_("same e-mail"), "phone": N_("same phone"),
           "name": N_("similar name and company")}
_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)


# Finding duplicates

@dataclass
class DuplicatePair:
    """Two clients that look like one; ``reasons`` are keys of REASONS, such as "email"."""

    first: Client
    second: Client
    reasons: list[str]

    def reason_text(self) -> str:
        """Return the reasons in the active language, separated by commas."""
        return ", ".join(_(REASONS[reason]) for reason in self.reasons)


def _words(text: str) -> list[str]:
    return _PUNCTUATION.sub(" ", fold(text)).split()


def _name_key(client: Client) -> str:
    return " ".join(sorted(_words(client.name)))


def _company_key(client: Client) -> str:
    return " ".join(_words(str(client.get("company", ""))))


def _phone_key(workspace: Workspace, client: Client) -> str:
    phone = str(client.get("phone", "")).strip()
    if not phone or phone.startswith("+"):
        return phone
    # A hand-edited file may hold a national number such as 06301234567.
    try:
        return fieldtypes.parse_phone(phone, workspace.config.phone_region)
    except ValueError:
        return phone


def find_duplicate_pairs(workspace: Workspace, clients: list[Client],
                         ignored: set[frozenset[str]] | None = None) -> list[DuplicatePair]:
    """Return the likely duplicate pairs among ``clients``, sorted by the ids.

    Each pair is listed once, with all of its reasons; pairs in ``ignored`` are left out.
    """
    groups: dict[tuple[str, str], list[Client]] = defaultdict(list)
    for client in clients:
        email = str(client.get("email", "")).strip().lower()
        if email:
            groups[("email", email)].append(client)
        phone = _phone_key(workspace, client)
        if phone:
            groups[("phone", phone)].append(client)
        name = _name_key(client)
        if name:
            groups[("name", name)].append(client)

    found: dict[tuple[str, str], DuplicatePair] = {}
    for (reason, _key), group in groups.items():
        for one, other in combinations(group, 2):
            if reason == "name" and not _companies_match(one, other):
                continue
            first, second = sorted((one, other), key=lambda client: client.id)
            if ignored and frozenset((first.id, second.id)) in ignored:
                continue
            pair = found.setdefault((first.id, second.id), DuplicatePair(first, second, []))
            pair.reasons.append(reason)
    for pair in found.values():
        pair.reasons.sort(key=list(REASONS).index)
    return [found[key] for key in sorted(found)]


def duplicates_of(workspace: Workspace, candidate: Client, clients: list[Client]
                  ) -> list[tuple[str, str]]:
    """Return (id, reason) for each client that ``candidate`` likely duplicates.

    The rules are those of :func:`find_duplicate_pairs`, so ``add`` warns about exactly the
    pairs that ``pandai duplicates`` would list; the reason is translated.
    """
    email = str(candidate.get("email", "")).strip().lower()
    phone = _phone_key(workspace, candidate)
    name = _name_key(candidate)
    found = []
    for other in clients:
        if other.id == candidate.id:
            continue
        if email and str(other.get("email", "")).strip().lower() == email:
            reason = "email"
        elif phone and _phone_key(workspace, other) == phone:
            reason = "phone"
        elif name and _name_key(other) == name and _companies_match(candidate, other):
            reason = "name"
        else:
            continue
        found.append((other.id, _(REASONS[reason])))
    return found


def _companies_match(one: Client, other: Client) -> bool:
    first, second = _company_key(one), _company_key(other)
    return not first or not second or first == second


def workspace_duplicates(workspace: Workspace) -> tuple[list[DuplicatePair], list[FileError]]:
    """Return the likely duplicate pairs among the active clients, without the ignored pairs,
    and the client files that could not be read."""
    loaded = store.load_clients(workspace)
    pairs = find_duplicate_pairs(workspace, loaded.clients, not_duplicate_pairs(workspace))
    return pairs, loaded.problems


# Pairs that are not duplicates

def duplicates_path(workspace: Workspace) -> Path:
    """Return the path of duplicates.yaml."""
    return workspace.root / DUPLICATES_FILE


def read_pairs(workspace: Workspace) -> list[list[str]]:
    path = duplicates_path(workspace)
    if not path.exists():
        return []
    raw = yamlio.read(path) or {}
    entries = raw.get("not_duplicates") if isinstance(raw, dict) else None
    if entries is None:
        entries = [] if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(entry, list) and len(entry) == 2 for entry in entries):
        raise FileError(_("{path}: not_duplicates must be a list of id pairs, such as "
                          "'- [kiss-peter, kiss-peter-2]'. Fix the file by hand.").format(
            path=path), path)
    return [[str(one), str(other)] for one, other in entries]


def not_duplicate_pairs(workspace: Workspace) -> set[frozenset[str]]:
    """Return the pairs of ids marked as not duplicates."""
    return {frozenset(entry) for entry in read_pairs(workspace)}


def write_pairs(workspace: Workspace, pairs: list[list[str]], change: store.Change) -> None:
    path = duplicates_path(workspace)
    raw = yamlio.read(path) if path.exists() else {}
    if not isinstance(raw, dict):
        raw = {}
    raw["not_duplicates"] = [yamlio.FlowList(pair) for pair in pairs]
    change.stage(path, yamlio.dump(raw))


def mark_not_duplicate(workspace: Workspace, first_term: str, second_term: str
                       ) -> tuple[Client, Client, bool]:
    """Record that two clients are different people, in duplicates.yaml and one commit.

    Return both clients and whether the pair was new.
    """
    first = store.find_client(workspace, first_term)
    second = store.find_client(workspace, second_term)
    if first.id == second.id:
        raise InvalidInput(_("{first!r} and {second!r} are the same client ({id}); give two "
                             "different clients.").format(first=first_term, second=second_term,
                                                          id=first.id))
    first, second = sorted((first, second), key=lambda client: client.id)
    with store.Change(workspace, f"not duplicates {first.id} {second.id}") as change:
        pairs = read_pairs(workspace)
        if frozenset((first.id, second.id)) in {frozenset(pair) for pair in pairs}:
            return first, second, False
        write_pairs(workspace, [*pairs, [first.id, second.id]], change)
    return first, second, True
