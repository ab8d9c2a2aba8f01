"""Client fields: their types, labels, aliases, and conversions between text, file and screen.

A field value exists in three forms. In the file every scalar is a string (see yamlio), which
``from_file`` converts into a Python value: ``date`` for dates, ``int`` for money and numbers,
``list[str]`` for tags, ``str`` otherwise. ``from_input`` parses and validates what a user types
and raises FieldError. ``display`` formats a value for the active language.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from datetime import date
from typing import TYPE_CHECKING, Any

from pandai.errors import FieldError
from pandai.i18n import _, current_language, format_date, format_money, format_number
from pandai.parsing import amount_to_int, fold, parse_amount, parse_date, parse_iso_date

if TYPE_CHECKING:
    from pandai.workspace import Workspace

TYPES = ("text", "longtext", "email", "phone", "status", "person", "source", "money", "number",
         "date", "tags")


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it yet."""
    return message


@dataclass(frozen=True)
class Field:
    """A client field: its file key, type, English label and the names users may call it."""

    name: str
    type: str
    label: str
    aliases: tuple[str, ...] = ()
    labels: dict[str, str] = dataclass_field(default_factory=dict, compare=False, hash=False)

    def title(self) -> str:
        """Return the label in the active language."""
        return self.labels.get(current_language()) or _(self.label)


BUILTIN_FIELDS = (
    Field("name", "text", N_("Name"), ("nev", "ugyfel", "ugyfelnev", "ugyfel_neve")),
    Field("company", "text", N_("Company"), ("ceg", "cegnev")),
    Field("email", "email", N_("E-mail"), ("e-mail", "e_mail", "email_cim")),
    Field("phone", "phone", N_("Phone"), ("telefon", "telefonszam", "tel")),
    Field("status", "status", N_("Status"), ("statusz", "allapot")),
    Field("owner", "person", N_("Owner"), ("felelos",)),
    Field("source", "source", N_("Source"), ("forras",)),
    Field("value", "money", N_("Value"), ("ertek", "osszeg")),
    Field("last_contact", "date", N_("Last contact"), ("utolso_kapcsolat", "utolso_kontakt")),
    Field("next_action", "date", N_("Next action"),
          ("kovetkezo_teendo", "kovetkezo_lepes", "next")),
    Field("created", "date", N_("Created"), ("letrehozva", "letrehozas")),
    Field("tags", "tags", N_("Tags"), ("cimkek", "cimke", "tag")),
)
# Keys that hold structured lists rather than field values; written after all fields.
LIST_KEYS = ("notes", "status_history", "files")
# Columns computed from other data, usable in filters, sorting and output.
ID_FIELD = Field("id", "text", N_("Id"), ("azonosito",))
STAGE_FIELD = Field("stage", "text", N_("Stage"), ("szakasz", "fazis"))
NOTES_FIELD = Field("notes", "longtext", N_("Notes"), ("megjegyzesek", "megjegyzes"))


def normalize_key(text: str) -> str:
    """Fold a field name typed by a user: no accents, lower case, ``_`` for spaces and hyphens."""
    return "_".join(fold(text).replace("-", " ").split())


@dataclass
class FieldSet:
    """The fields of one workspace: the built-in ones plus the custom fields of pandai.yaml."""

    fields: list[Field]

    def __post_init__(self) -> None:
        self._by_key: dict[str, Field] = {}
        extra = (ID_FIELD, STAGE_FIELD, NOTES_FIELD)
        for known in [*self.fields, *extra]:
            self._by_key.setdefault(normalize_key(known.name), known)
            self._by_key.setdefault(normalize_key(known.label), known)
            for alias in (*known.aliases, *known.labels.values()):
                self._by_key.setdefault(normalize_key(alias), known)
        # What lookup returns for each file key, because reading a client file asks for every
        # key and folding each one again took a tenth of a cold load.
        self._by_name = {item.name: self.lookup(item.name) for item in self.fields}

    def lookup(self, name: str) -> Field | None:
        """Return the field a user means by ``name`` (key, label or alias, any language)."""
        return self._by_key.get(normalize_key(name))

    def get(self, name: str) -> Field:
        """Return the field called ``name`` or raise FieldError listing the known fields."""
        found = self._by_name.get(name) or self.lookup(name)
        if found is None:
            known = ", ".join(item.name for item in self.fields)
            raise FieldError(
                _("Unknown field {field!r}. Known fields: {known}.").format(field=name, known=known),
                name, name)
        return found

    def by_file_key(self, key: str) -> Field | None:
        """Return ``lookup(key)`` when ``key`` is the file key of a field, else None."""
        return self._by_name.get(key)

    def names(self) -> list[str]:
        """Return the file keys of all fields in file order."""
        return [item.name for item in self.fields]


def from_file(item: Field, raw: Any) -> Any:
    """Convert a value read from a client file; raise ValueError when it does not fit the type."""
    if item.type == "tags":
        if isinstance(raw, list):
            return [str(tag) for tag in raw if str(tag).strip()]
        if isinstance(raw, str):
            return [tag.strip() for tag in raw.split(",") if tag.strip()]
        raise ValueError(_("a list of tags was expected"))
    if not isinstance(raw, str):
        raise ValueError(_("a single value was expected"))
    if item.type == "date":
        return parse_iso_date(raw)
    if item.type in ("money", "number"):
        return int(raw) if raw.lstrip("-").isdigit() else amount_to_int(parse_amount(raw))
    return raw


def to_file(item: Field, value: Any) -> Any:
    """Return ``value`` in the form the YAML writer stores it."""
    from pandai.yamlio import FlowList

    if item.type == "tags" and isinstance(value, list):
        return FlowList(value)
    return value


def is_empty(value: Any) -> bool:
    """Return True for values that count as "no value": None, empty text and empty lists."""
    return value is None or value == "" or value == []


def from_input(item: Field, text: str, workspace: Workspace) -> Any:
    """Parse and validate a value typed by a user; empty text means "no value" (None)."""
    text = text.strip()
    if text == "":
        if item.name == "name":
            raise FieldError(_("The name cannot be empty."), item.name, text)
        return None
    try:
        return _CONVERTERS.get(item.type, _convert_text)(text, workspace)
    except ValueError as error:
        raise FieldError(
            _("Invalid {field} {value!r}: {reason}").format(
                field=_lower_first(item.title()), value=text, reason=error),
            item.name, text) from error


def _lower_first(label: str) -> str:
    # A label starts a table column, but is inside a sentence here.
    return label[:1].lower() + label[1:]


def _convert_text(text: str, workspace: Workspace) -> str:
    return text


def _convert_email(text: str, workspace: Workspace) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        from pandai.email_reasons import translate_reason

        reason = translate_reason(str(error))
        if reason is None:
            raise ValueError(_("not a valid e-mail address")) from None
        raise ValueError(_("not a valid e-mail address ({reason})").format(reason=reason)) \
            from None
    return result.normalized.lower()


def parse_phone(text: str, region: str) -> str:
    """Return a phone number in E.164 form (``+36301234567``); raise ValueError when invalid."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(_("not a phone number")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("not a valid phone number for region {region}").format(region=region))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _convert_phone(text: str, workspace: Workspace) -> str:
    return parse_phone(text, workspace.config.phone_region)


def _convert_status(text: str, workspace: Workspace) -> str:
    status = workspace.statuses.find(text)
    if status is None:
        raise ValueError(_("unknown status; choose one of: {choices}").format(
            choices=", ".join(workspace.statuses.names())))
    return status.name


def _convert_person(text: str, workspace: Workspace) -> str:
    member = workspace.team.resolve(text)
    if member is None:
        if not workspace.team.members:
            return text.lstrip("@")
        raise ValueError(_("not a team member; choose one of: {choices}").format(
            choices=", ".join(workspace.team.ids())))
    return member.id


def _convert_source(text: str, workspace: Workspace) -> str:
    for known in workspace.statuses.sources:
        if fold(known) == fold(text):
            return known
    if workspace.statuses.sources:
        raise ValueError(
            _("unknown source; choose one of: {choices}, or add it to statuses.yaml").format(
                choices=", ".join(workspace.statuses.sources)))
    return text


def _convert_money(text: str, workspace: Workspace) -> int:
    amount = amount_to_int(parse_amount(text))
    if amount < 0:
        raise ValueError(_("an amount cannot be negative"))
    return amount


def _convert_date(text: str, workspace: Workspace) -> date:
    return parse_date(text, workspace.today)


def _convert_tags(text: str, workspace: Workspace) -> list[str]:
    tags: list[str] = []
    for tag in text.split(","):
        tag = tag.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


_CONVERTERS = {
    "email": _convert_email,
    "phone": _convert_phone,
    "status": _convert_status,
    "person": _convert_person,
    "source": _convert_source,
    "money": _convert_money,
    "number": _convert_money,
    "date": _convert_date,
    "tags": _convert_tags,
}


def display_phone(value: str, region: str) -> str:
    """Format a stored E.164 number in national form (``06 30 123 4567``) when it parses."""
    import phonenumbers

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def display(item: Field, value: Any, workspace: Workspace) -> str:
    """Format a value for a table or profile in the active language."""
    if is_empty(value):
        return ""
    if item.type == "date" and isinstance(value, date):
        return format_date(value)
    if item.type == "money" and isinstance(value, int):
        return format_money(value, workspace.config.currency)
    if item.type == "number" and isinstance(value, int):
        return format_number(value)
    if item.type == "tags" and isinstance(value, list):
        return ", ".join(value)
    if item.type == "phone" and isinstance(value, str) and value.startswith("+"):
        return display_phone(value, workspace.config.phone_region)
    return str(value)


def plain(value: Any) -> Any:
    """Return ``value`` as JSON-ready data: ISO strings for dates, lists kept."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
