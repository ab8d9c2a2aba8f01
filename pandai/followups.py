"""Following up on clients: e-mail templates, logging sent e-mails and calls, reactivation.

A template is a file ``templates/NAME.txt`` (or ``.md``) of the workspace: a first line
``Subject: …``, a blank line, and the body. Placeholders such as ``{first_name}`` or ``{company}``
are filled from the client's fields and its owner; ``{{`` and ``}}`` stand for literal braces. A
placeholder without a value stops the e-mail, so that no half-filled message is ever sent.
"""

from __future__ import annotations

import shutil
import string
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pandai import actions, store
from pandai import fields as fieldtypes
from pandai.client import Client
from pandai.errors import FieldError, InvalidInput
from pandai.i18n import _, format_date
from pandai.parsing import fold
from pandai.workspace import Workspace

TEMPLATE_DIR = "templates"
TEMPLATE_SUFFIXES = (".txt", ".md")
# Folded forms of the first-line keys that introduce a template's subject.
SUBJECT_KEYS = ("subject", "targy")
NOTE_BODY_LINES = 3
REACTIVATION_STAGES = ("lost", "inactive")
SHIPPED_TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Template:
    """An e-mail template: its name, file, subject line (may be empty) and body."""

    name: str
    path: Path
    subject: str
    body: str


@dataclass
class Draft:
    """One e-mail ready to send to a client: the filled subject and body."""

    client: Client
    subject: str
    body: str


# Templates

def install_templates(target: Path, language: str) -> list[Path]:
    """Copy the templates shipped for ``language`` into ``target/templates``; return the paths.

    Files that already exist are kept as they are.
    """
    source = SHIPPED_TEMPLATES / language
    if not source.is_dir():
        return []
    folder = target / TEMPLATE_DIR
    folder.mkdir(exist_ok=True)
    written = []
    for path in sorted(source.iterdir()):
        if path.suffix in TEMPLATE_SUFFIXES and not (folder / path.name).exists():
            shutil.copyfile(path, folder / path.name)
            written.append(folder / path.name)
    return written


def template_names(workspace: Workspace) -> list[str]:
    """Return the names of the workspace's templates, sorted."""
    folder = workspace.root / TEMPLATE_DIR
    if not folder.is_dir():
        return []
    return sorted({path.stem for path in folder.iterdir()
                   if path.suffix in TEMPLATE_SUFFIXES and not path.name.startswith(".")})


def load_template(workspace: Workspace, name: str) -> Template:
    """Read ``templates/NAME.txt`` or ``.md``; raise InvalidInput when it is missing or bad."""
    store.check_id(name)
    folder = workspace.root / TEMPLATE_DIR
    for suffix in TEMPLATE_SUFFIXES:
        path = folder / f"{name}{suffix}"
        if path.is_file():
            break
    else:
        raise InvalidInput(_("No template called {name!r} in {folder}. Templates: {names}.")
                           .format(name=name, folder=folder,
                                   names=", ".join(template_names(workspace)) or "-"))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InvalidInput(_("{path}: cannot read the template: {reason}. Save it as UTF-8 "
                             "text.").format(path=path, reason=reason)) from None
    subject, body = split_subject(text)
    return Template(name, path, subject, body)


def split_subject(text: str) -> tuple[str, str]:
    """Split ``Subject: …`` (or ``Tárgy: …``) off the first line; return (subject, body)."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    first, _newline, rest = text.partition("\n")
    key, colon, value = first.partition(":")
    if colon and fold(key.strip()) in SUBJECT_KEYS:
        return value.strip(), rest.strip("\n")
    return "", text.strip("\n")


def first_name(name: str, language: str) -> str:
    """Return the given name: the last word in Hungarian order (Kiss Péter), else the first."""
    words = name.split()
    if not words:
        return ""
    return words[-1] if language == "hu" else words[0]


def placeholder_values(workspace: Workspace, client: Client) -> dict[str, str]:
    """Return every placeholder of a client: its fields as shown, the owner, the date.

    Placeholders whose value is empty are present with an empty string, so that a template
    using them can be reported as incomplete.
    """
    values = {"id": client.id, "today": format_date(workspace.today)}
    for item in workspace.fieldset.fields:
        values[item.name] = fieldtypes.display(item, client.get(item.name), workspace)
    values["first_name"] = first_name(client.name, workspace.config.language)
    member = workspace.member(client.get("owner"))
    owner_name = member.name if member else ""
    values["owner_name"] = owner_name
    values["owner_first_name"] = first_name(owner_name, workspace.config.language)
    values["owner_email"] = member.email if member else ""
    return values


def fill(text: str, values: dict[str, str], template: str, client: Client) -> str:
    """Fill the ``{placeholders}`` of ``text``; raise InvalidInput naming a missing one."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise InvalidInput(_("Template {template}: {reason}. Write {{{{ and }}}} for a literal "
                             "brace.").format(template=template, reason=error)) from None
    pieces = []
    for literal, name, spec, conversion in parsed:
        pieces.append(literal)
        if name is None:
            continue
        if name not in values or spec or conversion:
            raise InvalidInput(
                _("Template {template}: unknown placeholder {{{name}}}. Known placeholders: "
                  "{known}.").format(template=template, name=name,
                                     known=", ".join(sorted(values))))
        if not values[name]:
            raise InvalidInput(
                _("Template {template}: the placeholder {{{name}}} has no value for {id}. Fill "
                  "it in (for a client field: 'pandai edit {id} FIELD=VALUE'), or remove the "
                  "placeholder from the template.").format(template=template, name=name,
                                                           id=client.id))
        pieces.append(values[name])
    return "".join(pieces)


# E-mail

def compose(workspace: Workspace, clients: list[Client], subject: str | None,
            body: str | None, template: Template | None = None) -> list[Draft]:
    """Return the e-mails for ``clients``; raise InvalidInput listing every problem.

    ``subject`` overrides the template's subject. With a template, the subject and body are
    filled per client; a plain ``body`` and ``subject`` are sent as written.
    """
    subject = (subject or "").strip() or (template.subject if template else "")
    text = template.body if template else (body or "")
    if not subject:
        raise InvalidInput(_("The e-mail has no subject: give --subject, or start the text "
                             "with a line 'Subject: …'."))
    if not text.strip():
        raise InvalidInput(_("The e-mail is empty: give --body, --template, or write the text "
                             "in the editor."))

    drafts, problems = [], []
    for client in clients:
        try:
            require_email(client)
        except InvalidInput as error:
            problems.append(error.message)
            continue
        if template is None:
            drafts.append(Draft(client, subject, text.strip("\n")))
            continue
        values = placeholder_values(workspace, client)
        try:
            drafts.append(Draft(client, fill(subject, values, template.name, client),
                                fill(text, values, template.name, client).strip("\n")))
        except InvalidInput as error:
            problems.append(error.message)
    if problems:
        raise InvalidInput("\n".join(dict.fromkeys(problems)))
    return drafts


def require_email(client: Client) -> None:
    """Raise InvalidInput, saying how to add one, when a client has no e-mail address."""
    if not client.get("email"):
        raise InvalidInput(_("{id} has no e-mail address. Add one with 'pandai edit {id} "
                             "email=ADDRESS'.").format(id=client.id))


def email_note(subject: str, body: str) -> str:
    """Return the note that records a sent e-mail: its subject and first lines."""
    lines = [line.rstrip() for line in body.strip().splitlines() if line.strip()]
    shown = lines[:NOTE_BODY_LINES] + (["…"] if len(lines) > NOTE_BODY_LINES else [])
    return "\n".join([_("Subject: {subject}").format(subject=subject), *shown])


def log_emails(workspace: Workspace, drafts: list[Draft], message: str) -> bool:
    """Add an ``email`` note and today's last contact to each client, in one commit.

    Return True when a commit was made. Each client is read again under the lock, so that a
    change another pandai process made meanwhile is kept.
    """
    user = workspace.author()
    with store.Change(workspace, message) as change:
        for draft in drafts:
            client = store.find_client(workspace, draft.client.id)
            client.add_note(actions.now(), user, "email", email_note(draft.subject, draft.body))
            client.set("last_contact", workspace.today)
            change.save(client)
    return change.committed


# Calls

@dataclass
class PhoneNumber:
    """A client's phone number in the forms a caller needs."""

    e164: str
    national: str
    international: str

    @property
    def tel_link(self) -> str:
        return f"tel:{self.e164}"


def phone_number(workspace: Workspace, client: Client) -> PhoneNumber:
    """Return the client's phone number; raise InvalidInput when it has none or it is invalid."""
    stored = str(client.get("phone") or "").strip()
    if not stored:
        raise InvalidInput(_("{id} has no phone number. Add one with 'pandai edit {id} "
                             "phone=NUMBER'.").format(id=client.id))
    try:
        e164 = fieldtypes.parse_phone(stored, workspace.config.phone_region)
    except ValueError as error:
        raise FieldError(_("{id}: the phone number {value!r} cannot be dialled ({reason}). Fix "
                           "it with 'pandai edit {id} phone=NUMBER'.").format(
            id=client.id, value=stored, reason=error), "phone", stored) from None
    import phonenumbers

    number = phonenumbers.parse(e164)
    return PhoneNumber(
        e164, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def log_call(workspace: Workspace, client: Client, text: str | None,
             next_action: str | None = None) -> actions.Outcome:
    """Record a call as a note (the text, or "Call"), with today as the last contact."""
    return actions.add_note(workspace, client.id, (text or "").strip() or _("Call"), "call",
                            next_action)


# Lifecycle

def reactivation_status(workspace: Workspace, status_text: str | None) -> str:
    """Return the status a reactivated client moves to: the given one or the first open one."""
    if status_text:
        status = fieldtypes.from_input(workspace.fieldset.get("status"), status_text, workspace)
        if workspace.statuses.stage_of(status) in REACTIVATION_STAGES:
            raise InvalidInput(_("Cannot reactivate a client into {status}: choose an open or "
                                 "won status.").format(status=status))
        return status
    for status in workspace.statuses.statuses:
        if status.stage == "open":
            return status.name
    raise InvalidInput(_("statuses.yaml has no open status to reactivate a client into. Give "
                         "one with --status."))


def reactivate(workspace: Workspace, term: str, status_text: str | None = None,
               reason: str | None = None) -> actions.Outcome:
    """Move a lost or inactive client back to an open status, in one commit.

    The step is recorded in status_history with the reason and as a note. A next action in
    the past (the retry date that brought the client back) is cleared; a future one is kept.
    """
    status = reactivation_status(workspace, status_text)
    reason = (reason or "").strip()
    with store.Change(workspace, "reactivate") as change:
        client = store.find_client(workspace, term)
        old = client.get("status")
        if workspace.statuses.stage_of(old) not in REACTIVATION_STAGES:
            raise InvalidInput(
                _("{id} is in status {status}, neither lost nor inactive, so there is nothing to "
                  "reactivate. Change its status with 'pandai status {id} STATUS'.").format(
                    id=client.id, status=old or "-"))
        user = workspace.author()
        client.record_status(workspace.today, user, old, status, reason or None)
        client.set("status", status)
        note = _("Reactivated ({old} → {new}): {reason}") if reason \
            else _("Reactivated ({old} → {new}).")
        client.add_note(actions.now(), user, "note",
                        note.format(old=old, new=status, reason=reason))
        next_action = client.get("next_action")
        if isinstance(next_action, date) and next_action < workspace.today:
            client.set("next_action", None)
        change.message = f"reactivate {client.id}: {old} -> {status}"
        change.save(client)
    return actions.Outcome(client, change.committed)
