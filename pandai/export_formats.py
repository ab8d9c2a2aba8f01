"""vCard and iCalendar export: contacts for phones and address books, next actions for calendars.

Both are content-line formats: ``NAME;PARAM=VALUE:value`` lines ending in CRLF. A line longer than
75 octets of UTF-8 is folded: it continues on the next line after a single space (RFC 2425
section 5.8.1 for vCard 3.0, RFC 5545 section 3.1 for iCalendar), and a fold never splits the bytes of one character. In
text values a backslash, comma, semicolon and line break are escaped as ``\\\\``, ``\\,``,
``\\;`` and ``\\n``.

- vCard 3.0 (RFC 2426), which is plain UTF-8 text, unlike vCard 2.1 with its quoted-printable
  accents. Each client gets one card with FN, N, ORG, EMAIL, TEL in E.164 form, CATEGORIES from
  the tags, NOTE with the newest note, UID set to the client id, and REV. N is split in Hungarian
  order: the first word of the name is the family name, the rest are the given names.
- iCalendar 2.0 (RFC 5545): one all-day event on the next action date of every client that has
  one, with the client's company, phone, e-mail and newest note in the description. Its UID
  ``<id>-next-action@pandai`` stays the same between exports, so a calendar that matches events
  by UID updates the event when the file is imported again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from pandai import __version__
from pandai import fields as fieldtypes
from pandai.client import Client
from pandai.exporting import last_note
from pandai.i18n import _
from pandai.workspace import Workspace

CRLF = "\r\n"
MAX_LINE_OCTETS = 75
PRODUCT_ID = f"-//Pandai//Pandai {__version__}//EN"


def escape_text(text: str) -> str:
    """Escape a text value for a vCard or iCalendar content line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Return a content line folded into parts of at most 75 octets, each ending in CRLF."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > MAX_LINE_OCTETS:
            parts.append("".join(current))
            # The space that starts a continuation line counts towards its 75 octets.
            current, size = [" "], 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return CRLF.join(parts) + CRLF


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def split_name(name: str) -> tuple[str, str]:
    """Split a name in Hungarian order into (family name, given names).

    The first word is the family name, so ``Kiss Péter Pál`` gives ("Kiss", "Péter Pál").
    """
    words = name.split()
    if not words:
        return "", ""
    return words[0], " ".join(words[1:])


def _phone_type(phone: str, region: str) -> str:
    """Return the vCard TEL type of a number: WORK,VOICE for a landline, CELL otherwise."""
    import phonenumbers

    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return "CELL"
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        return "WORK,VOICE"
    return "CELL"


def vcard_lines(workspace: Workspace, client: Client, revision: str) -> list[str]:
    """Return the unfolded content lines of one client's vCard 3.0."""
    family, given = split_name(client.name)
    lines = ["BEGIN:VCARD", "VERSION:3.0",
             f"UID:{escape_text(client.id)}",
             f"FN:{escape_text(client.name)}",
             f"N:{escape_text(family)};{escape_text(given)};;;"]
    company = client.get("company")
    if company:
        lines.append(f"ORG:{escape_text(str(company))}")
    email = client.get("email")
    if email:
        lines.append(f"EMAIL;TYPE=INTERNET:{escape_text(str(email))}")
    phone = client.get("phone")
    if phone:
        phone_type = _phone_type(str(phone), workspace.config.phone_region)
        lines.append(f"TEL;TYPE={phone_type}:{escape_text(str(phone))}")
    tags = client.get("tags")
    if isinstance(tags, list) and tags:
        lines.append("CATEGORIES:" + ",".join(escape_text(str(tag)) for tag in tags))
    note = last_note(client)
    if note:
        lines.append(f"NOTE:{escape_text(note)}")
    lines += [f"REV:{revision}", "END:VCARD"]
    return lines


def render_vcard(workspace: Workspace, clients: list[Client]) -> bytes:
    """Return every client as a vCard 3.0, all in one file."""
    revision = _utc_stamp(datetime.now(timezone.utc))
    text = "".join(fold_line(line) for client in clients
                   for line in vcard_lines(workspace, client, revision))
    return text.encode("utf-8")


def _description(workspace: Workspace, client: Client) -> str:
    lines = []
    for key in ("company", "phone", "email", "status", "owner"):
        item = workspace.fieldset.lookup(key)
        value = client.get(key)
        if item is not None and value:
            lines.append(f"{item.title()}: {fieldtypes.display(item, value, workspace)}")
    note = last_note(client)
    if note:
        lines.append(_("Last note: {text}").format(text=note))
    return "\n".join(lines)


def event_lines(workspace: Workspace, client: Client, stamp: str) -> list[str]:
    """Return the unfolded content lines of the all-day event of a client's next action."""
    day = client.get("next_action")
    if not isinstance(day, date):
        return []
    summary = _("Next action: {name}").format(name=client.name)
    lines = ["BEGIN:VEVENT",
             f"UID:{client.id}-next-action@pandai",
             f"DTSTAMP:{stamp}",
             f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
             f"DTEND;VALUE=DATE:{(day + timedelta(days=1)).strftime('%Y%m%d')}",
             f"SUMMARY:{escape_text(summary)}"]
    description = _description(workspace, client)
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    # An all-day reminder should not mark the day as busy.
    lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def render_icalendar(workspace: Workspace, clients: list[Client]) -> bytes:
    """Return a calendar with one all-day event per client that has a next action."""
    stamp = _utc_stamp(datetime.now(timezone.utc))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT_ID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:" + escape_text(_("Pandai next actions"))]
    for client in clients:
        lines += event_lines(workspace, client, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) for line in lines).encode("utf-8")
