"""Column headers of import files and the Pandai fields they map to.

Spreadsheets name the same column in many ways: ``Ügyfél neve``, ``Név``, ``Full name``,
``E-mail cím``. Headers are compared through :func:`normalize_header`, which ignores case,
accents, spaces and punctuation, so every spelling variant of one alias matches.

Besides the client fields, some mapping targets exist only during import. The importer joins
``given_name`` and ``family_name`` in Hungarian order (family name first) into ``name``.
``birthday`` is stored as an ISO date under that key. ``email_type`` and ``phone_type`` are the
type columns of Google Contacts (``E-mail 1 - Type``). The targets in :data:`REPEATABLE_TARGETS`
may take several columns: the first e-mail and phone columns give ``email`` and ``phone``, and
the others are kept under ``emails`` and ``phones``.

The aliases cover the exports of Google Contacts, Outlook (English, German and Hungarian) and
Thunderbird, whose numbered columns (``E-mail 2 Address``, ``Phone 3 - Value``) are matched by
pattern.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

from pandai.errors import ImportFileError
from pandai.i18n import _

FIELD_HEADERS: dict[str, list[str]] = {
    "name": [
        "Ügyfél neve", "Ügyfél", "Ügyfélnév", "Név", "Teljes név", "Kapcsolattartó",
        "Kapcsolattartó neve", "Kontakt", "Megjelenítendő név",
        "Name", "Full name", "Contact", "Contact name", "Client", "Client name", "Customer",
        "Customer name", "Display name", "Lead name",
    ],
    "company": [
        "Cég", "Cégnév", "Cég neve", "Vállalat", "Vállalkozás", "Szervezet", "Munkahely",
        "Company", "Company name", "Organization", "Organisation", "Organization name",
        "Organization 1 - Name", "Account", "Account name", "Business", "Employer",
        "Firma", "Unternehmen",
    ],
    "email": [
        "Email", "E-mail", "E-mail cím", "Email cím", "Emailcím",
        "Email address", "E-mail address", "Mail", "Primary email", "E-mail 1 - Value",
        "Secondary email", "E-Mail-Adresse", "Elektronikus levélcím", "E-mail-cím",
        "Elektronikus levél címe",
    ],
    "phone": [
        "Telefon", "Telefonszám", "Tel", "Mobil", "Mobilszám", "Mobiltelefon", "Mobil telefonszám",
        "Phone", "Phone number", "Telephone", "Mobile", "Mobile phone", "Mobile number", "Cell",
        "Work phone", "Business phone", "Primary phone", "Phone 1 - Value",
        "Home phone", "Business phone 2", "Home phone 2", "Other phone", "Company main phone",
        "Car phone", "Mobile phone 2", "Telefon geschäftlich", "Telefon privat",
        "Telefon (geschäftlich)", "Telefon (privat)", "Weiteres Telefon", "Munkahelyi telefon",
        "Otthoni telefon", "Egyéb telefon", "Vezetékes telefon", "Elsődleges telefon",
    ],
    "status": [
        "Státusz", "Állapot", "Fázis", "Szakasz", "Értékesítési fázis",
        "Status", "Stage", "Deal stage", "Lead status", "Pipeline stage",
    ],
    "owner": [
        "Felelős", "Tulajdonos", "Üzletkötő", "Értékesítő", "Kezeli",
        "Owner", "Assigned to", "Account owner", "Lead owner", "Deal owner", "Sales rep",
    ],
    "source": [
        "Forrás", "Honnan", "Csatorna", "Megkeresés forrása",
        "Source", "Lead source", "Channel", "Origin",
    ],
    "value": [
        "Érték", "Összeg", "Várható érték", "Üzlet értéke", "Ajánlat értéke", "Árbevétel",
        "Value", "Amount", "Deal value", "Deal amount", "Opportunity amount", "Revenue",
        "Expected value",
    ],
    "last_contact": [
        "Utolsó kapcsolat", "Utolsó kapcsolatfelvétel", "Utolsó kontakt", "Utolsó megkeresés",
        "Utolsó beszélgetés",
        "Last contact", "Last contacted", "Last contact date", "Last activity",
        "Last activity date",
    ],
    "next_action": [
        "Következő teendő", "Következő lépés", "Teendő", "Visszahívás", "Következő kapcsolat",
        "Next action", "Next step", "Next activity", "Follow-up", "Follow-up date",
        "Next contact",
    ],
    "created": [
        "Létrehozva", "Létrehozás", "Létrehozás dátuma", "Felvéve", "Rögzítve",
        "Created", "Created at", "Created date", "Date created", "Create date", "Date added",
    ],
    "tags": [
        "Címkék", "Címke", "Kategória", "Kategóriák", "Csoport", "Csoportok",
        "Tags", "Tag", "Labels", "Categories", "Category", "Group membership", "Kategorien",
    ],
    "notes": [
        "Megjegyzés", "Megjegyzések", "Jegyzet", "Jegyzetek", "Leírás", "Egyéb",
        "Notes", "Note", "Comment", "Comments", "Description", "Remarks", "Notizen",
    ],
}

# Mapping targets for split name columns, joined into ``name`` by the caller.
NAME_PART_HEADERS: dict[str, list[str]] = {
    "given_name": ["Keresztnév", "Utónév", "First name", "Given name", "Forename", "Vorname"],
    "family_name": ["Vezetéknév", "Családnév", "Last name", "Family name", "Surname",
                    "Nachname"],
}
# Other targets that exist only during import.
EXTRA_HEADERS: dict[str, list[str]] = {
    "birthday": ["Születésnap", "Születési dátum", "Birthday", "Date of birth", "Geburtstag"],
    "email_type": [],
    "phone_type": [],
    "birth_year": [],
    "birth_month": [],
    "birth_day": [],
}
# Thunderbird splits the birthday into three columns. "Birth Day" equals "Birthday" once
# normalised, so these headers are compared before normalisation.
_EXACT_HEADERS = {"birth year": "birth_year", "birth month": "birth_month",
                  "birth day": "birth_day"}
# Targets that several columns may map to; the first column with a value gives the field.
REPEATABLE_TARGETS = frozenset({"email", "phone", "email_type", "phone_type"})
# Numbered columns of Google Contacts, Outlook and Thunderbird, after normalize_header.
_NUMBERED_HEADERS = (
    (re.compile(r"^e?mail\d+(value|address|adresse)$"), "email"),
    (re.compile(r"^elektronikuslevel\d+cime$"), "email"),
    (re.compile(r"^e?mail\d+$"), "email"),
    (re.compile(r"^(phone|telefon|tel|mobil|mobile)\d+$"), "phone"),
    (re.compile(r"^e?mail\d+(type|label)$"), "email_type"),
    (re.compile(r"^phone\d+value$"), "phone"),
    (re.compile(r"^phone\d+(type|label)$"), "phone_type"),
)
# Words in a phone header that tell the type of its numbers, after normalize_header.
_PHONE_TYPE_WORDS = (("mobil", "cell"), ("cell", "cell"), ("home", "home"), ("otthon", "home"),
                     ("privat", "home"), ("work", "work"), ("business", "work"),
                     ("munkahely", "work"), ("geschaft", "work"), ("office", "work"),
                     ("other", "other"), ("egyeb", "other"), ("weiter", "other"))

# Short Hungarian names a user may type as the target of ``--map``. The field names and every
# header alias above are accepted as targets too, compared through ``normalize_header``.
TARGET_ALIASES: dict[str, list[str]] = {
    "name": ["név"],
    "company": ["cég"],
    "email": ["e-mail"],
    "phone": ["telefon"],
    "status": ["státusz"],
    "owner": ["felelős"],
    "source": ["forrás"],
    "value": ["érték"],
    "last_contact": ["utolsó_kapcsolat"],
    "next_action": ["következő_teendő"],
    "created": ["létrehozva"],
    "tags": ["címkék"],
    "notes": ["megjegyzések"],
    "given_name": ["keresztnév"],
    "family_name": ["vezetéknév"],
    "birthday": ["születésnap"],
}

_NON_ALPHANUMERIC = re.compile(r"[\W_]+")


def normalize_header(text: str) -> str:
    """Return a key for ``text`` that ignores case, accents, spaces and punctuation.

    ``"E-mail cím"`` and ``"email cim"`` both become ``"emailcim"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALPHANUMERIC.sub("", without_accents.casefold())


def _build_index(groups: list[dict[str, list[str]]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for group in groups:
        for field, aliases in group.items():
            for alias in [field, *aliases]:
                index.setdefault(normalize_header(alias), field)
    return index


_HEADER_INDEX = _build_index([FIELD_HEADERS, NAME_PART_HEADERS, EXTRA_HEADERS])
_TARGET_INDEX = _build_index([TARGET_ALIASES, FIELD_HEADERS, NAME_PART_HEADERS, EXTRA_HEADERS])
MAPPING_TARGETS: tuple[str, ...] = (*FIELD_HEADERS, *NAME_PART_HEADERS, *EXTRA_HEADERS)


def field_for_header(header: str) -> str | None:
    """Return the field a column header names, or None when it is not a known header."""
    exact = _EXACT_HEADERS.get(" ".join(header.casefold().split()))
    if exact:
        return exact
    key = normalize_header(header)
    field = _HEADER_INDEX.get(key)
    if field is None:
        field = next((target for pattern, target in _NUMBERED_HEADERS if pattern.match(key)),
                     None)
    return field


def phone_type_of_header(header: str) -> str | None:
    """Return the type a phone column's header names (``cell``, ``home``, ``work``), or None."""
    key = normalize_header(header)
    return next((label for word, label in _PHONE_TYPE_WORDS if word in key), None)


def is_primary_header(header: str) -> bool:
    """Return True for a column that contains the preferred value, such as ``Primary Phone``."""
    key = normalize_header(header)
    return key.startswith(("primary", "elsodleges"))


def guess_mapping(headers: list[str]) -> list[str | None]:
    """Guess the field of each column from its header, with None for an unmapped column.

    A field is used at most once, apart from :data:`REPEATABLE_TARGETS`: when two columns name
    the same field, the first column gets it and the later ones map to None.
    """
    mapping: list[str | None] = []
    used: set[str] = set()
    for header in headers:
        field = field_for_header(header)
        if field in used and field not in REPEATABLE_TARGETS:
            field = None
        if field is not None:
            used.add(field)
        mapping.append(field)
    return mapping


def find_header_row(rows: list[list]) -> int | None:
    """Return the index of the header row among the first rows of a file, or None.

    A candidate has at least two non-empty cells, most of them text with a letter (numbers,
    dates and digit-only strings are not). The candidate with the most cells that name a known
    field wins, the earliest one on a tie, so a title row above the header loses to a header
    that names a field.
    """
    best_index, best_matches = None, -1
    for index, values in enumerate(rows):
        cells = [value for value in values if value is not None]
        texts = [cell for cell in cells
                 if isinstance(cell, str) and any(char.isalpha() for char in cell)]
        if len(cells) < 2 or len(texts) * 2 <= len(cells):
            continue
        matches = sum(1 for text in texts if field_for_header(text) is not None)
        if matches > best_matches:
            best_index, best_matches = index, matches
    return best_index


def header_names(cells: list) -> list[str]:
    """Turn header cells into column names, dropping empty cells after the last name.

    An empty cell inside the header gets a name such as ``Column 3``, and whitespace runs
    (line breaks in an Excel header cell, for one) become single spaces.
    """
    cells = list(cells)
    while cells and cells[-1] is None:
        cells.pop()

    names = []
    for position, cell in enumerate(cells, start=1):
        if cell is None:
            names.append(_("Column {number}").format(number=position))
        elif isinstance(cell, date):
            names.append(cell.isoformat())
        else:
            names.append(" ".join(str(cell).split()))
    return names


def parse_map_option(text: str, headers: list[str], *,
                     path: Path | None = None) -> dict[int, str | None]:
    """Parse a ``--map`` value such as ``"Cégnév=company,Megjegyzés=notes,Régi oszlop="``.

    Returns the 0-based column index of each named header with its target field, where None
    (an empty target) means the column is ignored. Headers are matched with
    :func:`normalize_header`, and when several columns share a header the first one is used.
    The target may be a field name or one of its Hungarian or English aliases. ``path`` is the
    import file that the errors carry, ``--map`` when it is not given. Raises ImportFileError
    for an entry without ``=``, an unknown header, an unknown field, a header named twice or a
    field given to two columns.
    """
    error_path = path if path is not None else Path("--map")
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        columns.setdefault(normalize_header(header), index)

    result: dict[int, str | None] = {}
    for entry in text.split(","):
        if not entry.strip():
            continue
        header, separator, target = entry.rpartition("=")
        header, target = header.strip(), target.strip()
        if not separator or not header:
            raise ImportFileError(
                _("Invalid --map entry \"{entry}\": write it as HEADER=FIELD, "
                  "or HEADER= to ignore the column.").format(entry=entry.strip()),
                error_path)

        column = columns.get(normalize_header(header))
        if column is None:
            raise ImportFileError(
                _("Unknown column \"{header}\" in --map. The file's columns are: {headers}.")
                .format(header=header, headers=_quoted_list(headers)),
                error_path)
        if column in result:
            raise ImportFileError(
                _("Column \"{header}\" is named twice in --map. Give each column once.")
                .format(header=header),
                error_path)

        field = None
        if target:
            field = _TARGET_INDEX.get(normalize_header(target))
            if field is None:
                raise ImportFileError(
                    _("Unknown field \"{target}\" in --map. Valid fields are: {fields}, "
                      "or nothing after = to ignore the column.")
                    .format(target=target, fields=", ".join(MAPPING_TARGETS)),
                    error_path)
            if field in result.values() and field not in REPEATABLE_TARGETS:
                raise ImportFileError(
                    _("Field {field} is given to two columns in --map. Map each field to "
                      "one column.").format(field=field),
                    error_path)
        result[column] = field
    return result


def _quoted_list(items: list[str]) -> str:
    return ", ".join(f"\"{item}\"" for item in items)
