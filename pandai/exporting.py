"""Exporting clients for Excel, other programs, phones and calendars.

:func:`select_clients` picks the clients as ``list`` does (filters, a saved view, the archive),
:func:`render_export` turns them into the bytes of one format, and :func:`write_output` puts
those bytes into a file atomically, never over an existing file unless asked to.

The tabular formats live here:

- ``csv``: UTF-8, ``,``, LF line ends, a header row of field keys: ``id``, every field of the
  workspace (custom fields included), then ``last_note``, the text of the client's newest note.
  With ``excel`` it is the form Hungarian Excel opens by double-click: ``;`` as delimiter, a
  UTF-8 byte order mark, CRLF line ends and the field labels of the active language as headers.
- ``xlsx``: one sheet with a bold, frozen header row, an autofilter, date cells, money as numbers
  with thousands grouping, and phones as text cells.
- ``json``: the whole records, as ``list --format json`` prints them.

vCard and iCalendar are in :mod:`pandai.export_formats`.

Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and tab or CR can hide such a start. Every text value that starts with one of these is
written with a leading ``'``, in CSV and XLSX alike. Numbers and dates are written as numbers and
dates and are never changed. A phone number starts with ``+``, so CSV writes ``'+36301234567``.
XLSX writes a valid phone number (``+`` and digits) as a text cell without the ``'``: a text cell
is never evaluated, and ``+`` followed by digits cannot carry a formula.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pandai import fields as fieldtypes
from pandai import query, store
from pandai.client import Client
from pandai.errors import FileError, InvalidInput
from pandai.fields import ID_FIELD, N_, Field
from pandai.i18n import _, current_language
from pandai.workspace import Workspace

FORMATS = ("csv", "xlsx", "json", "vcf", "ics")
# Formats whose bytes may go to standard output; XLSX is a ZIP archive and needs a file.
TEXT_FORMATS = ("csv", "json", "vcf", "ics")
SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json", ".vcf": "vcf",
            ".vcard": "vcf", ".ics": "ics", ".ical": "ics"}
LAST_NOTE_KEY = "last_note"
LAST_NOTE_LABEL = N_("Last note")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# Characters that XML 1.0, and so an XLSX file, cannot contain.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_CELL_CHARS = 32767
_XLSX_WIDTH_MIN = 6
_XLSX_WIDTH_MAX = 50
_XLSX_DATE_FORMATS = {"hu": "yyyy. mm. dd.", "en": "yyyy-mm-dd"}


@dataclass
class Selection:
    """The clients chosen for an export, and the client files that could not be read."""

    clients: list[Client]
    problems: list[FileError] = field(default_factory=list)


def format_for(output_format: str | None, output: Path | None) -> str:
    """Return the export format: the one given, else the one the output's suffix names, else csv.

    Raise InvalidInput for an unknown format.
    """
    if output_format is None:
        return SUFFIXES.get(output.suffix.lower(), "csv") if output else "csv"
    chosen = output_format.strip().lower()
    if chosen not in FORMATS:
        raise InvalidInput(_("Unknown export format {format!r}; use one of: {formats}.").format(
            format=output_format, formats=", ".join(FORMATS)))
    return chosen


def select_clients(workspace: Workspace, filter_texts: list[str], view_name: str | None = None,
                   archived: bool = False) -> Selection:
    """Return the clients a view and filters choose, in the view's order or by name."""
    saved = None
    if view_name:
        saved = workspace.views.get(view_name)
        if saved is None:
            raise InvalidInput(_("No view called {name!r}. Saved views: {views}.").format(
                name=view_name, views=", ".join(workspace.views) or "-"))
    texts = [*(saved.filters if saved else []), *filter_texts]
    filters = [query.parse_filter(workspace, text) for text in texts]

    loaded = store.load_clients(workspace, archived=archived, filters=filters)
    order = (saved.sort if saved else "") or "name,id"
    return Selection(query.sort_clients(workspace, loaded.clients, order), loaded.problems)


def render_export(workspace: Workspace, clients: list[Client], output_format: str,
                  excel: bool = False) -> bytes:
    """Return the clients in one export format as the bytes of the file."""
    if excel and output_format != "csv":
        raise InvalidInput(_("--excel applies only to --format csv."))
    if output_format == "csv":
        return render_csv(workspace, clients, excel)
    if output_format == "xlsx":
        return render_xlsx(workspace, clients)
    if output_format == "json":
        return render_json(clients)

    from pandai import export_formats

    if output_format == "vcf":
        return export_formats.render_vcard(workspace, clients)
    if output_format == "ics":
        return export_formats.render_icalendar(workspace, clients)
    raise InvalidInput(_("Unknown export format {format!r}; use one of: {formats}.").format(
        format=output_format, formats=", ".join(FORMATS)))


# Values shared by the formats

def last_note(client: Client) -> str:
    """Return the text of the client's newest note (the file keeps notes oldest first)."""
    for note in reversed(client.notes):
        if isinstance(note, dict) and str(note.get("text", "")).strip():
            return str(note["text"])
    return ""


def plain_text(value: Any) -> str:
    """Return a field value as plain text: ISO dates, digits, tags joined with ", "."""
    if fieldtypes.is_empty(value):
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def neutralize(text: str) -> str:
    """Return text that no spreadsheet runs as a formula, by prefixing ``'`` where needed."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def client_record(client: Client) -> dict[str, Any]:
    """Return a client as JSON-ready data: ``id`` first, then the file's keys."""
    return {"id": client.id, **{str(key): fieldtypes.plain(value)
                                for key, value in client.data.items()}}


def _columns(workspace: Workspace) -> list[Field]:
    return [ID_FIELD, *workspace.fieldset.fields]


def _row_values(client: Client, columns: list[Field]) -> list[Any]:
    values = [client.id if column.name == "id" else client.get(column.name)
              for column in columns]
    return [*values, last_note(client)]


# CSV, JSON and XLSX

def render_csv(workspace: Workspace, clients: list[Client], excel: bool = False) -> bytes:
    """Return the clients as CSV; ``excel`` gives the form Hungarian Excel opens directly."""
    columns = _columns(workspace)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",",
                        lineterminator="\r\n" if excel else "\n")
    if excel:
        writer.writerow([*(column.title() for column in columns), _(LAST_NOTE_LABEL)])
    else:
        writer.writerow([*(column.name for column in columns), LAST_NOTE_KEY])
    for client in clients:
        cells = []
        for value in _row_values(client, columns):
            text = plain_text(value)
            # Numbers and dates cannot start a formula; text is neutralized whatever its field.
            cells.append(neutralize(text) if isinstance(value, (str, list)) else text)
        writer.writerow(cells)
    text = buffer.getvalue()
    return ("\ufeff" + text).encode("utf-8") if excel else text.encode("utf-8")


def render_json(clients: list[Client]) -> bytes:
    """Return the whole client records, notes and status history included, as a JSON array."""
    records = [client_record(client) for client in clients]
    return (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _xlsx_text(value: str, is_phone: bool) -> str:
    text = _XML_ILLEGAL.sub("", value)
    if not (is_phone and _E164.match(text)):
        text = neutralize(text)
    # NOTE: Excel cannot hold more in one cell; a longer note is cut, the client file keeps it.
    return text[:XLSX_MAX_CELL_CHARS]


def render_xlsx(workspace: Workspace, clients: list[Client]) -> bytes:
    """Return the clients as an XLSX workbook with typed cells, a frozen header and a filter."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = _columns(workspace)
    headers = [*(column.title() for column in columns), _(LAST_NOTE_LABEL)]
    kinds = [*(column.type for column in columns), "longtext"]
    date_format = _XLSX_DATE_FORMATS.get(current_language(), "yyyy-mm-dd")

    # Write-only mode streams rows to disk, so every setting of the sheet comes first.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Clients"))
    sheet.freeze_panes = "A2"
    rows = [_row_values(client, columns) for client in clients]
    for index, width in enumerate(_column_widths(headers, kinds, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=_XML_ILLEGAL.sub("", header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)

    for values in rows:
        cells = []
        for kind, value in zip(kinds, values):
            cell = WriteOnlyCell(sheet, value=_xlsx_value(kind, value))
            if isinstance(value, date):
                cell.number_format = date_format
            elif isinstance(value, int) and kind == "money":
                cell.number_format = "#,##0"
            cells.append(cell)
        sheet.append(cells)
    last_column = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A1:{last_column}{len(rows) + 1}"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(kind: str, value: Any) -> Any:
    if fieldtypes.is_empty(value):
        return None
    if isinstance(value, (date, int)) and not isinstance(value, bool):
        return value
    return _xlsx_text(plain_text(value), kind == "phone")


def _column_widths(headers: list[str], kinds: list[str], rows: list[list[Any]]) -> list[float]:
    widths = []
    for index, header in enumerate(headers):
        longest = len(header) + 2  # room for the autofilter button
        for values in rows[:1000]:
            value = values[index]
            if isinstance(value, date):
                length = 12
            elif isinstance(value, int):
                length = len(f"{value:,}")
            else:
                length = max((len(line) for line in plain_text(value).splitlines()), default=0)
            longest = max(longest, length)
        limit = _XLSX_WIDTH_MAX if kinds[index] != "longtext" else _XLSX_WIDTH_MAX + 10
        widths.append(float(min(max(longest + 1, _XLSX_WIDTH_MIN), limit)))
    return widths


# Writing the file

def write_output(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` atomically; raise InvalidInput when the file exists.

    The bytes go to a synced temporary file in the same folder first. Without ``force`` it is
    then hard-linked to ``path``, which fails when ``path`` exists, even when it appeared after
    the check. With ``force`` it is renamed over ``path``.
    """
    if path.is_dir():
        raise InvalidInput(_("Cannot write {path}: it is a folder. Give a file name, such as "
                             "{example}.").format(path=path, example=path / "clients.csv"))
    if path.exists() and not force:
        raise InvalidInput(_("{path} already exists. Choose another file name, or add --force "
                             "to overwrite it.").format(path=path))
    folder = path.parent
    if not folder.is_dir():
        raise InvalidInput(_("Cannot write {path}: the folder {folder} does not exist.").format(
            path=path, folder=folder))

    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=folder)
    except OSError as error:
        raise InvalidInput(_("Cannot write {path}: {reason}.").format(
            path=path, reason=error.strerror or error)) from error
    try:
        # mkstemp creates the file readable by its owner alone; an export gets the usual mode.
        os.fchmod(handle, 0o666 & ~_current_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if force:
            os.replace(temporary, path)
        else:
            _link_new(Path(temporary), path)
    except OSError as error:
        raise InvalidInput(_("Cannot write {path}: {reason}.").format(
            path=path, reason=error.strerror or error)) from error
    finally:
        Path(temporary).unlink(missing_ok=True)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _link_new(temporary: Path, path: Path) -> None:
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise InvalidInput(_("{path} already exists. Choose another file name, or add --force "
                             "to overwrite it.").format(path=path)) from None
    except OSError:
        # Some file systems (FAT on a USB stick, some network shares) have no hard links.
        if path.exists():
            raise InvalidInput(_("{path} already exists. Choose another file name, or add "
                                 "--force to overwrite it.").format(path=path)) from None
        os.replace(temporary, path)
