"""Reading import files into a header row and a stream of data rows.

:func:`read_table` decides the format from the file's content, not its extension. A ZIP
archive is read as an Excel workbook with openpyxl (see :mod:`pandai.importing.xlsx`). An OLE2
container (old ``.xls`` or a password-protected workbook) is rejected. Text that starts with
``BEGIN:VCARD`` is a vCard file (:mod:`pandai.importing.vcard`), text that starts with ``[`` is
JSON (:mod:`pandai.importing.jsonfile`), and anything else must be delimited text. For text it
detects the encoding (BOM, then the NUL pattern of UTF-16 without BOM, then strict UTF-8, then
charset-normalizer among the Central and Western European code pages) and the delimiter
(``;``, ``,``, tab or ``|``).

The header row is the row among the first ten non-empty rows that looks most like a header
(see :func:`pandai.importing.headers.find_header_row`), so title rows above it are skipped.
Data rows are streamed, and only those first rows are held in memory. Every failure is an
:class:`ImportFileError` that names the file, the row when known, and what the user can do.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Iterator

from pandai.errors import ImportFileError
from pandai.i18n import _
from pandai.importing.encodings import (BOMS, CHUNK_BYTES, check_encoding,
                                       detect_encoding, utf16_by_nul_pattern)
from pandai.importing.headers import find_header_row, header_names

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 10  # non-empty rows searched for the header row
DELIMITERS = ";,\t|"
_SAMPLE_BYTES = 64 * 1024
_SNIFF_CHARS = 16 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Row:
    """One data row of an import file."""

    number: int  # 1-based row as a spreadsheet shows it: the sheet row or the record number
    values: list  # one value per header, with text stripped and None for an empty cell
    # What the reader noticed and left out, such as a damaged vCard photo, for the preview.
    remarks: list[str] = field(default_factory=list)


@dataclass
class Table:
    """The header and the lazily read data rows of an import file."""

    path: Path
    format: str  # "csv", "txt", "xlsx", "vcf" or "json"
    encoding: str | None  # Python codec name of a text file, None for XLSX and JSON
    delimiter: str | None  # field delimiter of a CSV or TXT file, None otherwise
    header_row: int  # 1-based row number of the header row, 0 for vCard and JSON
    headers: list[str]
    rows: Iterator[Row]
    # True when the headers are Pandai file keys (vCard and JSON) and the values are already
    # structured: lists of notes, ``{value, type}`` mappings for extra e-mails and phones.
    keyed: bool = False
    # True for a workbook in the 1904 date system (old Mac Excel), for date serial numbers.
    date1904: bool = False


Record = tuple[int, list]


def read_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
               sheet: str | None = None) -> Table:
    """Open an import file, find its header row and return a table that streams the data rows.

    ``encoding`` and ``delimiter`` override detection for text files, and ``sheet`` picks a
    worksheet of an XLSX file by name (the first one by default). Options that do not apply to
    the file's format are ignored. Raises ImportFileError when the file is missing, empty,
    undecodable, damaged or in an unsupported format. Iterating ``rows`` raises it too, for a
    row with more cells than the header or bytes that do not decode.
    """
    path = Path(path)
    head = _read_head(path)
    date1904 = False

    structured = _structured_format(head)
    if structured == "vcf":
        from pandai.importing.vcard import read_vcards

        return read_vcards(path, encoding=encoding)
    if structured == "json":
        from pandai.importing.jsonfile import read_json

        return read_json(path)

    if head.startswith(_ZIP_MAGIC):
        from pandai.importing.xlsx import open_workbook

        records, date1904 = open_workbook(path, sheet)
        file_format, encoding, delimiter = "xlsx", None, None
    elif head.startswith(_OLE2_MAGIC):
        raise ImportFileError(
            _("{path} is an old Excel workbook (.xls) or a password-protected file, which "
              "Pandai cannot read. Open it in Excel and save it as .xlsx or CSV (UTF-8).")
            .format(path=path), path)
    else:
        if encoding:
            encoding = check_encoding(path, encoding, head)
        else:
            encoding = detect_encoding(path, head)
        if delimiter:
            delimiter = _check_delimiter(path, delimiter)
        else:
            delimiter = _detect_delimiter(path, head, encoding)
        records = _text_records(path, encoding, delimiter)
        file_format = "txt" if path.suffix.lower() == ".txt" else "csv"

    log.debug("Reading %s as %s (encoding %s, delimiter %r)", path, file_format, encoding,
              delimiter)
    first_records = list(islice(records, HEADER_SEARCH_ROWS))
    if not first_records:
        raise ImportFileError(_("{path} contains no data. Check that you chose the right file.")
                              .format(path=path), path)

    position = find_header_row([values for _number, values in first_records])
    if position is None:
        records.close()
        if file_format == "xlsx":
            message = _("No header row found in the first {count} rows of {path}. A header row "
                        "has at least two column names, such as Name and Email. Add one above "
                        "the data.")
        else:
            message = _("No header row found in the first {count} rows of {path}. A header row "
                        "has at least two column names, such as Name and Email. Add one above "
                        "the data, or give the delimiter with --delimiter.")
        raise ImportFileError(message.format(count=len(first_records), path=path), path)

    header_row, header_cells = first_records[position]
    headers = header_names(header_cells)
    remaining = chain(first_records[position + 1:], records)
    rows = _fit_rows(path, len(headers), remaining)
    return Table(path, file_format, encoding, delimiter, header_row, headers, rows,
                 date1904=date1904)


def _structured_format(head: bytes) -> str | None:
    """Return "vcf" or "json" when the first characters of a file show it, else None."""
    for bom, name in BOMS:
        if head.startswith(bom):
            start = head[:128].decode(name, "ignore")
            break
    else:
        encoding = utf16_by_nul_pattern(head) or "latin-1"
        start = head[:64].decode(encoding, "ignore")
    start = start.lstrip("\ufeff \t\r\n")
    if start[:11].upper() == "BEGIN:VCARD":
        return "vcf"
    if start.startswith("["):
        return "json"
    return None


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES)
    except FileNotFoundError:
        raise ImportFileError(_("File not found: {path}. Check the path and try again.")
                              .format(path=path), path) from None
    except IsADirectoryError:
        raise ImportFileError(_("{path} is a folder. Give the path of a CSV, TXT or XLSX file.")
                              .format(path=path), path) from None
    except OSError as error:
        raise ImportFileError(_("Cannot read {path}: {reason}.")
                              .format(path=path, reason=error.strerror or error), path) from None
    if not head:
        raise ImportFileError(_("{path} is empty. Export the data again and import the new file.")
                              .format(path=path), path)
    return head


# --- Text files -------------------------------------------------------------------------------

def _check_delimiter(path: Path, delimiter: str) -> str:
    named = {"tab": "\t", "\\t": "\t"}
    delimiter = named.get(delimiter.lower(), delimiter)
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        raise ImportFileError(
            _("Invalid delimiter \"{delimiter}\": give a single character such as ; or , "
              "(or tab).").format(delimiter=delimiter), path)
    return delimiter


def _detect_delimiter(path: Path, head: bytes, encoding: str) -> str:
    """Return the delimiter that csv.Sniffer finds, unless another splits the lines more evenly."""
    sample = _text_sample(path, head, encoding)
    try:
        sniffed = csv.Sniffer().sniff(sample[:_SNIFF_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None

    scores = {candidate: _consistency(sample, candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: scores[candidate])
    if sniffed in scores and scores[sniffed] >= scores[best]:
        return sniffed
    # A file with a single column has no delimiter at all, and a comma is the CSV default.
    return best if scores[best] > 0 else ","


def _text_sample(path: Path, head: bytes, encoding: str) -> str:
    # The incremental decoder keeps a character cut at the end of ``head`` for later.
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        sample = decoder.decode(head, final=len(head) < _SAMPLE_BYTES)
    except UnicodeDecodeError:
        raise _undecodable(path, encoding) from None
    if len(head) == _SAMPLE_BYTES:
        sample = sample[: max(sample.rfind("\n"), sample.rfind("\r"), 0)]
    return sample


def _undecodable(path: Path, encoding: str) -> ImportFileError:
    line = _first_undecodable_line(path, encoding)
    return ImportFileError(
        _("Cannot decode line {line} of {path} as {encoding}. Give the right encoding with "
          "--encoding, or save the file as CSV (UTF-8).")
        .format(line=line, path=path, encoding=encoding), path, line)


def _first_undecodable_line(path: Path, encoding: str) -> int:
    """Return the line of the first byte that ``encoding`` cannot decode, counting LF endings."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            try:
                line += decoder.decode(chunk).count("\n")
            except UnicodeDecodeError as error:
                # error.start counts from the chunk, apart from the few bytes of a character
                # that the previous chunk cut, so the line is exact unless a LF is among them.
                before = codecs.decode(chunk[: error.start], encoding, "replace")
                return line + before.count("\n")
    return line


def _consistency(sample: str, delimiter: str) -> float:
    """Score how evenly ``delimiter`` splits the first records: columns times the share of rows."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        counts = [len(fields) for fields in islice(reader, 50) if fields]
    except csv.Error:
        # Text that is not CSV at all; reading the rows reports the row that breaks.
        return 0.0
    if not counts:
        return 0.0
    columns, rows = Counter(counts).most_common(1)[0]
    return (columns - 1) * rows / len(counts)


def _text_records(path: Path, encoding: str, delimiter: str) -> Iterator[Record]:
    # Records are numbered as a spreadsheet shows the file: one row per record, even when a
    # quoted cell spans several lines.
    start_line = 1
    try:
        with path.open(encoding=encoding, newline="") as stream:
            reader = csv.reader(stream, delimiter=delimiter)
            for fields in reader:
                values = [_clean_text(field) for field in fields]
                if any(value is not None for value in values):
                    yield start_line, values
                start_line += 1
    except UnicodeDecodeError:
        # The text stream decodes ahead of the csv reader, so its position does not tell the line.
        raise _undecodable(path, encoding) from None
    except csv.Error as error:
        raise ImportFileError(
            _("Cannot parse row {row} of {path}: {reason}. Check the quotes in that row.")
            .format(row=start_line, path=path, reason=error), path, start_line) from None


def _clean_text(value: str) -> str | None:
    value = value.strip()
    return value or None


# --- Row shape -------------------------------------------------------------------------------

def _fit_rows(path: Path, width: int, records: Iterator[Record]) -> Iterator[Row]:
    """Pad short rows with None and reject long rows unless their extra cells are empty."""
    for number, values in records:
        if len(values) > width:
            extra = [value for value in values[width:] if value is not None]
            if extra:
                used = max(i for i, value in enumerate(values) if value is not None) + 1
                raise ImportFileError(
                    _("Row {row} of {path} has {count} cells, but the header has {columns} "
                      "columns. Remove the extra cells or add a header for them.")
                    .format(row=number, path=path, count=used, columns=width),
                    path, number)
            values = values[:width]
        elif len(values) < width:
            values = values + [None] * (width - len(values))
        yield Row(number, values)
