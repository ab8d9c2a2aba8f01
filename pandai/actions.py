"""The everyday changes to clients: add, edit, change status, add a note.

Each function validates everything before it writes anything, then makes its change inside one
``store.Change``, which commits exactly the files it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pandai import fields as fieldtypes
from pandai import store, yamlio
from pandai.client import INTERACTION_KINDS, NOTE_KINDS, Client, from_file_data, mentions
from pandai.errors import DuplicateClient, FieldError, InvalidInput
from pandai.i18n import _
from pandai.parsing import add_months
from pandai.workspace import Workspace

# Field types whose text form a user may type differently from how it is stored.
_NORMALIZED_TYPES = ("email", "phone", "status", "person", "source")


@dataclass
class Outcome:
    """The result of a change: the client, whether a commit was made, and warnings to show."""

    client: Client
    committed: bool = False
    changed: bool = True
    warnings: list[str] = field(default_factory=list)


def now() -> datetime:
    """Return the current local time with its UTC offset, as note timestamps store it."""
    return datetime.now().astimezone().replace(microsecond=0)


def parse_assignment(workspace: Workspace, text: str) -> tuple[fieldtypes.Field, str]:
    """Split ``FIELD=VALUE`` and look up the field; raise InvalidInput on bad syntax."""
    name, separator, value = text.partition("=")
    if not separator or not name.strip():
        raise InvalidInput(_("Invalid assignment {text!r}: write FIELD=VALUE, for example "
                             "phone=+36301234567 or owner=anna.").format(text=text))
    item = workspace.fieldset.get(name.strip())
    if item.name in ("id", "stage", "notes"):
        raise InvalidInput(_("The field {field!r} cannot be set with edit.").format(
            field=item.name))
    return item, value


def find_duplicates(workspace: Workspace, candidate: Client, clients: list[Client]
                    ) -> list[tuple[str, str]]:
    """Return (id, reason) for clients with the same e-mail, phone, or a similar name."""
    from pandai.duplicates import duplicates_of

    return duplicates_of(workspace, candidate, clients)


def add_client(workspace: Workspace, name: str, values: dict[str, str],
               tags: list[str] | None = None, note: str | None = None,
               force: bool = False) -> Outcome:
    """Create a client; raise DuplicateClient for a likely duplicate unless ``force`` is set."""
    if not name.strip():
        raise FieldError(_("The name cannot be empty."), "name", name)
    client = Client("")
    client.set("name", name.strip())
    for key, text in values.items():
        item = workspace.fieldset.get(key)
        client.set(item.name, fieldtypes.from_input(item, text, workspace))
    if tags:
        client.set("tags", fieldtypes.from_input(workspace.fieldset.get("tags"), ",".join(tags),
                                                 workspace))
    if client.get("status") is None and workspace.statuses.first():
        client.set("status", workspace.statuses.first())
    if client.get("owner") is None and workspace.current_user:
        client.set("owner", workspace.current_user)
    client.set("created", workspace.today)

    user = workspace.author()
    if client.get("status"):
        client.record_status(workspace.today, user, None, client.get("status"))
    if note:
        client.add_note(now(), user, "note", note)

    # The duplicate check and the new id read the folder under the lock, so that two
    # concurrent adds cannot take the same id.
    with store.Change(workspace) as change:
        if not force:
            duplicates = find_duplicates(workspace, client,
                                         store.load_clients(workspace).clients)
            if duplicates:
                listed = "\n".join(f"  {other_id} ({reason})"
                                   for other_id, reason in duplicates)
                raise DuplicateClient(
                    _("{name} looks like a client you already have:\n{matches}\nAdd it anyway "
                      "with --force, or update the existing client with 'pandai edit'.")
                    .format(name=name, matches=listed), duplicates)
        client.id = store.new_client_id(workspace, name)
        change.message = f"add {client.id}"
        change.save(client)
    return Outcome(client, change.committed, warnings=_mention_warnings(workspace, note or ""))


def edit_client(workspace: Workspace, term: str, assignments: list[str]) -> Outcome:
    """Apply ``FIELD=VALUE`` assignments to one client; an empty value removes the field."""
    if not assignments:
        raise InvalidInput(_("Nothing to change: give FIELD=VALUE assignments."))
    parsed = [parse_assignment(workspace, text) for text in assignments]
    user = workspace.author()
    with store.Change(workspace) as change:
        client = store.find_client(workspace, term)
        before = store.render_client(workspace, client)
        for item, value in parsed:
            converted = fieldtypes.from_input(item, value, workspace)
            if item.name == "status" and converted != client.get("status"):
                if workspace.statuses.stage_of(converted) == "lost":
                    raise InvalidInput(
                        _("Marking a client lost needs a reason: use 'pandai status {id} "
                          "\"{status}\" --reason TEXT'.").format(id=client.id,
                                                                 status=converted))
                client.record_status(workspace.today, user, client.get("status"), converted)
            client.set(item.name, converted)
        changed = _save_if_changed(change, client, before, f"edit {client.id}")
    return Outcome(client, change.committed, changed)


def _save_if_changed(change: store.Change, client: Client, before: str, message: str) -> bool:
    """Stage the client when its file text differs from ``before``; return whether it did."""
    if store.render_client(change.workspace, client) == before:
        return False
    change.message = message
    change.save(client)
    return True


def set_status(workspace: Workspace, term: str, status_text: str,
               reason: str | None = None) -> Outcome:
    """Move a client to a status, recorded in status_history.

    A status of stage ``lost`` needs a reason: it is stored in the history entry and as a
    note, and the next action becomes the retry date of the workspace rules.
    """
    item = workspace.fieldset.get("status")
    status = fieldtypes.from_input(item, status_text, workspace)
    lost = workspace.statuses.stage_of(status) == "lost"
    if lost and not (reason and reason.strip()):
        raise InvalidInput(_("Marking a client lost needs a reason: add --reason TEXT."))

    user = workspace.author()
    with store.Change(workspace) as change:
        client = store.find_client(workspace, term)
        old = client.get("status")
        if status == old:
            return Outcome(client, committed=False, changed=False)
        client.record_status(workspace.today, user, old, status,
                             reason.strip() if reason else None)
        client.set("status", status)
        if lost:
            client.add_note(now(), user, "note",
                            _("Lost: {reason}").format(reason=reason.strip()))
            client.set("next_action", retry_date(workspace, workspace.today))
        elif reason and reason.strip():
            client.add_note(now(), user, "note", reason.strip())
        change.message = f"status {client.id}: {old or '-'} -> {status}"
        change.save(client)
    return Outcome(client, change.committed)


def add_note(workspace: Workspace, term: str, text: str, kind: str = "note",
             next_action: str | None = None) -> Outcome:
    """Add a note; a call, e-mail or meeting also sets last_contact to today."""
    if not text.strip():
        raise InvalidInput(_("The note is empty: give the text to record."))
    if kind not in NOTE_KINDS:
        raise InvalidInput(_("Unknown note kind {kind!r}.").format(kind=kind))
    next_date = None
    if next_action:
        next_date = fieldtypes.from_input(workspace.fieldset.get("next_action"), next_action,
                                          workspace)
    with store.Change(workspace) as change:
        client = store.find_client(workspace, term)
        client.add_note(now(), workspace.author(), kind, text.strip())
        if kind in INTERACTION_KINDS:
            client.set("last_contact", workspace.today)
        if next_date is not None:
            client.set("next_action", next_date)
        change.message = f"note {client.id} ({kind})"
        change.save(client)
    return Outcome(client, change.committed, warnings=_mention_warnings(workspace, text))


def _mention_warnings(workspace: Workspace, text: str) -> list[str]:
    if not workspace.team.members:
        return []
    unknown = [name for name in mentions(text) if workspace.team.resolve(name) is None]
    return [_("@{name} is not a team member, so nobody will be notified of the mention.")
            .format(name=name) for name in unknown]


def editable_text(workspace: Workspace, term: str) -> tuple[Client, str]:
    """Return the client a term names and the YAML text to open in an editor."""
    client = store.find_client(workspace, term)
    return client, store.render_client(workspace, client)


def apply_edited_text(workspace: Workspace, client: Client, text: str) -> Outcome:
    """Validate a client file edited by hand and save it; raise FileError or FieldError.

    Typed fields are normalized as if typed on the command line, and a changed status is
    recorded in status_history.
    """
    path = client.path or store.client_path(workspace, client)
    edited = from_file_data(client.id, yamlio.parse(text, path), workspace.fieldset, path)
    edited.archived = client.archived
    if edited.problems:
        key, reason = edited.problems[0]
        raise FieldError(_("{field}: {reason}").format(field=key, reason=reason), key,
                         str(edited.data.get(key)))
    if not str(edited.get("name", "")).strip():
        raise FieldError(_("The name cannot be empty."), "name", "")
    for item in workspace.fieldset.fields:
        value: Any = edited.data.get(item.name)
        if item.type in _NORMALIZED_TYPES and isinstance(value, str):
            edited.set(item.name, fieldtypes.from_input(item, value, workspace))
    new_status = edited.get("status")
    if new_status and new_status != client.get("status") and (
            not edited.status_history or edited.status_history[-1].get("to") != new_status):
        edited.record_status(workspace.today, workspace.author(), client.get("status"),
                             new_status)
    original = store.render_client(workspace, client)
    with store.Change(workspace) as change:
        current = store.find_client(workspace, client.id, include_archived=client.archived)
        if store.render_client(workspace, current) != original:
            raise InvalidInput(
                _("{id} was changed by someone else while you edited it, so your edit was not "
                  "saved. Run the command again to edit the new version.").format(id=client.id))
        changed = _save_if_changed(change, edited, original, f"edit {client.id}")
    return Outcome(edited, change.committed, changed)


def retry_date(workspace: Workspace, lost_on: date) -> date:
    """Return the day a client lost on ``lost_on`` should be tried again."""
    return add_months(lost_on, workspace.config.rules.lost_retry_months)
