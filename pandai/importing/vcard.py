"""Reading vCard files (versions 2.1, 3.0 and 4.0) into a table with Pandai keys as headers.

Each card becomes one row, numbered by the line of its ``BEGIN:VCARD``, with the values of
:data:`VCARD_KEYS`: ``name`` in Hungarian order (family name first) when N has a family and a
given name, else FN; ``company`` from the first ORG; ``email`` and ``phone`` the preferred ones
(PREF, TYPE=pref, or PREF=1 in 4.0; the first one otherwise); ``emails`` and ``phones`` the
others as ``{value, type}`` mappings; ``birthday`` an ISO date; ``tags`` from CATEGORIES; ``notes``
one text per NOTE; ``photo`` a :class:`Photo`. A card without N and FN is named after its ORG,
e-mail or phone, as address books show it.

vobject parses each content line (name, group, parameters, value). The rest is done here,
because ``vobject.readComponents`` 0.9.9 stops at the first undecodable PHOTO, ignores CHARSET,
and unfolds version 2.1 lines by the 3.0 rule:

- bytes are kept as Latin-1 text until a value is decoded with its CHARSET, or else with the
  file's own encoding: UTF-8 when the whole file is valid UTF-8 (or UTF-16, with or without a
  BOM), Windows-1250 otherwise;
- a folded line continues after CRLF and one space or tab. Versions 3.0 and 4.0 remove that
  space, and 2.1 keeps it. A quoted-printable line that ends in ``=`` continues on the next
  line;
- ``\\n``, ``\\,``, ``\\;`` and ``\\\\`` are unescaped in 3.0 and 4.0; 2.1 escapes only ``\\;``.

A photo that cannot be decoded, or is only a link, is left out with a remark on the row.
"""

from __future__ import annotations

import base64
import binascii
import logging
import quopri
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pandai.errors import ImportFileError
from pandai.i18n import _
from pandai.importing.encodings import BOMS, utf16_by_nul_pattern
from pandai.importing.readers import Row, Table

log = logging.getLogger(__name__)

VCARD_KEYS = ["name", "company", "email", "phone", "emails", "phones", "birthday", "tags",
              "notes", "photo"]
# Parameter words that are not types: how a value is encoded and whether it is preferred.
_ENCODINGS = {"QUOTED-PRINTABLE": "qp", "BASE64": "b64", "B": "b64", "8BIT": None, "7BIT": None}
_IGNORED_TYPES = {"pref", "internet", "voice", "x400"}
_NOT_PREFERRED = 100  # the rank of a value without PREF; PREF=1 to 100 rank before it
_PHOTO_TYPES = {"jpeg": "jpg", "jpg": "jpg", "png": "png", "gif": "gif", "bmp": "bmp",
                "webp": "webp"}
_PHOTO_MAGIC = ((b"\xff\xd8\xff", "jpg"), (b"\x89PNG", "png"), (b"GIF8", "gif"),
                (b"BM", "bmp"), (b"RIFF", "webp"))
_UNESCAPED_SEPARATOR = r"(?<!\\)(?:\\\\)*{}"


@dataclass
class Photo:
    """A contact photo decoded from a vCard: its bytes and its file extension."""

    data: bytes
    extension: str


@dataclass
class _Property:
    """One content line: its name, parameters, and the value still as Latin-1 text."""

    name: str
    params: dict[str, list[str]]
    value: str
    line: int


def read_vcards(path: Path, encoding: str | None = None) -> Table:
    """Read a vCard file into a table with the headers of :data:`VCARD_KEYS`.

    ``encoding`` names the charset of 8-bit text without a CHARSET parameter, instead of
    UTF-8 or Windows-1250. Raises ImportFileError when the file contains no card.
    """
    # NOTE: the whole file is read at once. Address book exports are small, and a card can
    # only be split from the next one after decoding anyway.
    data, file_encoding, default_charset = _file_bytes(path, encoding)
    lines = data.decode("latin-1").splitlines()
    cards = list(_split_cards(lines))
    if not cards:
        raise ImportFileError(
            _("{path} contains no vCard (no BEGIN:VCARD line). Export the contacts again as "
              "vCard (.vcf).").format(path=path), path)
    rows = (_card_row(start, card, default_charset) for start, card in cards)
    return Table(path, "vcf", file_encoding, None, 0, list(VCARD_KEYS), rows, keyed=True)


def _file_bytes(path: Path, encoding: str | None) -> tuple[bytes, str, str]:
    """Return the file as UTF-8 or 8-bit bytes, its encoding, and the charset of its text."""
    raw = path.read_bytes()
    for bom, name in BOMS:
        if raw.startswith(bom):
            return raw.decode(name).encode("utf-8"), name, "utf-8"
    utf16 = utf16_by_nul_pattern(raw[:64 * 1024])
    if utf16:
        try:
            return raw.decode(utf16).encode("utf-8"), utf16, "utf-8"
        except UnicodeDecodeError:
            pass
    if encoding:
        return raw, encoding, encoding
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw, "cp1250", "cp1250"
    return raw, "utf-8", "utf-8"


def _split_cards(lines: list[str]) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """Yield each card's first line number and its numbered physical lines, END excluded."""
    card: list[tuple[int, str]] | None = None
    start = 0
    for number, line in enumerate(lines, start=1):
        keyword = line.strip().upper()
        if keyword == "BEGIN:VCARD":
            if card:
                yield start, card  # a card without END:VCARD ends where the next one begins
            card, start = [], number
        elif keyword == "END:VCARD" and card is not None:
            yield start, card
            card = None
        elif card is not None:
            card.append((number, line))
    if card:
        yield start, card


def _version(card: list[tuple[int, str]]) -> str:
    for _number, line in card:
        match = re.match(r"VERSION:\s*(\S+)", line.strip(), re.I)
        if match:
            return match.group(1)
    return "2.1"


def _is_quoted_printable(line: str) -> bool:
    return "QUOTED-PRINTABLE" in line.split(":", 1)[0].upper()


def _unfold(card: list[tuple[int, str]], version: str) -> list[tuple[int, str]]:
    """Join folded lines and quoted-printable soft line breaks into logical lines."""
    logical: list[tuple[int, str]] = []
    soft_break = False
    for number, line in card:
        if soft_break:
            start, text = logical[-1]
            logical[-1] = (start, text[:-1] + line)
        elif line[:1] in (" ", "\t") and logical:
            start, text = logical[-1]
            logical[-1] = (start, text + (line if version == "2.1" else line[1:]))
        elif line.strip():
            logical.append((number, line))
        else:
            continue
        text = logical[-1][1]
        soft_break = text.endswith("=") and _is_quoted_printable(text)
    return logical


def _parse_line(number: int, line: str) -> _Property | None:
    """Split a content line with vobject, or with a simpler rule when vobject rejects it."""
    import vobject.base

    try:
        name, raw_params, value, _group = vobject.base.parseLine(line, number)
    except Exception:  # vobject raises ParseError and others on odd lines
        name, raw_params, value = _split_line(line)
        if name is None:
            log.debug("line %d: not a vCard property: %r", number, line[:80])
            return None

    params: dict[str, list[str]] = {}
    for entry in raw_params:
        key = entry[0].upper()
        if len(entry) == 1:
            # vCard 2.1 allows bare parameters: ``TEL;CELL;PREF`` or ``ENCODING`` values.
            if key in _ENCODINGS:
                params.setdefault("ENCODING", []).append(key)
            elif key == "PREF":
                params.setdefault("PREF", []).append("1")
            else:
                params.setdefault("TYPE", []).append(key.lower())
            continue
        for item in entry[1:]:
            values = item.split(",") if key == "TYPE" else [item]
            params.setdefault(key, []).extend(part.strip() for part in values if part.strip())
    return _Property(name.upper(), params, value, number)


def _split_line(line: str) -> tuple[str | None, list[list[str]], str]:
    head, separator, value = line.partition(":")
    if not separator:
        return None, [], ""
    name, *params = head.split(";")
    name = name.rpartition(".")[2]
    parsed = [param.split("=", 1) if "=" in param else [param] for param in params]
    return name, parsed, value


def _decode_text(prop: _Property, default_charset: str) -> str:
    """Decode quoted-printable and the charset of a text value (still escaped)."""
    data = prop.value.encode("latin-1", "replace")
    if _encoding(prop) == "qp":
        data = quopri.decodestring(data)
    declared = prop.params.get("CHARSET")
    if not declared:
        # Without CHARSET, bytes that are not UTF-8 come from a Windows code page, as in
        # quoted-printable text written by Windows mail programs.
        try:
            return data.decode(default_charset)
        except UnicodeDecodeError:
            return data.decode("cp1250" if default_charset == "utf-8" else default_charset,
                               "replace")
    try:
        return data.decode(declared[0])
    except LookupError:
        return data.decode(default_charset, "replace")
    except UnicodeDecodeError:
        return data.decode(declared[0], "replace")


def _encoding(prop: _Property) -> str | None:
    for value in prop.params.get("ENCODING", []):
        found = _ENCODINGS.get(value.upper())
        if found:
            return found
    return None


def _unescape(text: str, version: str) -> str:
    if version == "2.1":
        return text.replace("\\;", ";")
    replacements = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\"}
    return re.sub(r"\\(.)", lambda match: replacements.get(match.group(1), match.group(0)), text)


def _components(text: str, separator: str, version: str) -> list[str]:
    """Split a structured value (N, ORG) or a list (CATEGORIES) at unescaped separators."""
    parts = re.split(_UNESCAPED_SEPARATOR.format(re.escape(separator)), text)
    return [_unescape(part, version).strip() for part in parts]


def _rank(prop: _Property) -> int:
    if "pref" in (value.lower() for value in prop.params.get("TYPE", [])):
        return 1
    for value in prop.params.get("PREF", []):
        return int(value) if value.isdigit() else 1
    return _NOT_PREFERRED


def _type_label(prop: _Property) -> str | None:
    types = [value.lower() for value in prop.params.get("TYPE", [])
             if value.lower() not in _IGNORED_TYPES]
    return ",".join(dict.fromkeys(types)) or None


def _card_row(start: int, card: list[tuple[int, str]], default_charset: str) -> Row:
    version = _version(card)
    values: dict[str, object] = {key: None for key in VCARD_KEYS}
    remarks: list[str] = []
    emails: list[tuple[int, int, dict]] = []
    phones: list[tuple[int, int, dict]] = []
    notes: list[str] = []
    tags: list[str] = []
    formatted_name = structured_name = None

    for number, line in _unfold(card, version):
        prop = _parse_line(number, line)
        if prop is None or prop.name in ("VERSION", "BEGIN", "END"):
            continue
        if prop.name == "PHOTO":
            if values["photo"] is None:
                values["photo"] = _photo(prop, remarks)
            continue
        text = _decode_text(prop, default_charset)
        if prop.name == "FN":
            formatted_name = formatted_name or _unescape(text, version).strip() or None
        elif prop.name == "N":
            structured_name = structured_name or _hungarian_name(text, version)
        elif prop.name == "ORG" and values["company"] is None:
            values["company"] = _components(text, ";", version)[0] or None
        elif prop.name in ("EMAIL", "TEL"):
            value = _unescape(text, version).strip()
            if prop.name == "TEL" and value.lower().startswith("tel:"):
                value = value[4:]
            if value:
                entry = {"value": value}
                label = _type_label(prop)
                if label:
                    entry["type"] = label
                target = emails if prop.name == "EMAIL" else phones
                target.append((_rank(prop), len(target), entry))
        elif prop.name == "NOTE":
            note = _unescape(text, version).strip()
            if note:
                notes.append(note)
        elif prop.name == "BDAY" and values["birthday"] is None:
            values["birthday"] = _birthday(_unescape(text, version).strip())
        elif prop.name == "CATEGORIES":
            tags += [tag for tag in _components(text, ",", version) if tag and tag not in tags]

    for key, found in (("email", emails), ("phone", phones)):
        ordered = [entry for _rank_value, _order, entry in sorted(found, key=lambda x: x[:2])]
        if ordered:
            values[key] = ordered[0]["value"]
            seen = {ordered[0]["value"]}
            others = []
            for _rank_value, _order, entry in found:
                if entry["value"] not in seen:
                    seen.add(entry["value"])
                    others.append(entry)
            values[key + "s"] = others or None
    values["notes"] = notes or None
    values["tags"] = tags or None
    values["name"] = (structured_name or formatted_name or values["company"] or values["email"]
                      or values["phone"])
    return Row(start, [values[key] for key in VCARD_KEYS], remarks)


def _hungarian_name(text: str, version: str) -> str | None:
    """Return the name of an N value, family name first; None when it has no name parts."""
    parts = _components(text, ";", version) + [""] * 5
    family, given, additional = (" ".join(part.split(",")).strip() for part in parts[:3])
    if family and given:
        return " ".join(part for part in (family, given, additional) if part)
    return None


def _birthday(text: str) -> str | None:
    """Return BDAY as an ISO date: ``19800322``, ``1980-03-22`` or ``1980-03-22T00:00:00Z``."""
    from datetime import date

    digits = text.split("T")[0].replace("-", "")
    if len(digits) == 8 and digits.isdigit():
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
        except ValueError:
            return None
    # A 4.0 date without a year (--1221) is kept in the ISO 8601 form --12-21.
    if len(digits) == 4 and text.startswith("--") and digits.isdigit():
        return f"--{digits[:2]}-{digits[2:]}"
    return None


def _photo(prop: _Property, remarks: list[str]) -> Photo | None:
    value = prop.value.strip()
    extension = None
    if value.lower().startswith("data:"):
        # vCard 4.0: data:image/png;base64,... with the comma possibly escaped as \,
        header, _separator, value = value[5:].replace("\\,", ",").partition(",")
        media_type = header.split(";")[0]
        extension = _PHOTO_TYPES.get(media_type.partition("/")[2].lower())
        if ";base64" not in header.lower():
            remarks.append(_("the photo is not base64 data and was left out"))
            return None
    elif _encoding(prop) != "b64":
        remarks.append(_("the photo is a link ({link}) and was not downloaded")
                       .format(link=value[:60]))
        return None
    try:
        data = base64.b64decode("".join(value.split()), validate=False)
    except (binascii.Error, ValueError):
        remarks.append(_("the photo is damaged (invalid base64) and was left out"))
        return None
    for word in prop.params.get("TYPE", []):
        extension = extension or _PHOTO_TYPES.get(word.lower().rpartition("/")[2])
    for magic, name in _PHOTO_MAGIC:
        if data.startswith(magic):
            extension = name
    if not data or extension is None:
        remarks.append(_("the photo is not a JPEG, PNG or GIF image and was left out"))
        return None
    return Photo(data, extension)
