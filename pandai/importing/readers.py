"""Reading import files (CSV, TXT and XLSX) into a header row and a stream of data rows.

:func:`read_table` decides the format from the file's content, not its extension. A ZIP
archive is read as an Excel workbook with openpyxl, an OLE2 container (old ``.xls`` or a
password-protected workbook) is rejected, and anything else must be delimited text. For text it
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
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time
from itertools import chain, islice
from pathlib import Path
from typing import Iterator

from pandai.errors import ImportFileError
from pandai.i18n import _
from pandai.importing.headers import find_header_row, header_names

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 10  # non-empty rows searched for the header row
DELIMITERS = ";,\t|"
_SAMPLE_BYTES = 64 * 1024
_SNIFF_CHARS = 16 * 1024
_CHUNK_BYTES = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BOM_VARIANTS = {
    "utf-8": (codecs.BOM_UTF8, "utf-8-sig"),
    "utf-16-le": (codecs.BOM_UTF16_LE, "utf-16"),
    "utf-16-be": (codecs.BOM_UTF16_BE, "utf-16"),
}
# Bytes that Windows-1250 and ISO-8859-2 decode to different characters. Hungarian letters,
# including ő, ű, Ő and Ű, are not among them.
_CP1250_LATIN2_DIFFERENCES = frozenset(
    byte for byte in range(0x80, 0x100)
    if bytes([byte]).decode("cp1250", "replace") != bytes([byte]).decode("iso8859_2")
)
# The bytes of ő, ű, Ő and Ű in Windows-1250 and ISO-8859-2. Windows-1252 has õ, û, Õ and Û there.
_HUNGARIAN_DOUBLE_ACUTE = frozenset(b"\xf5\xfb\xd5\xdb")


@dataclass
class Row:
    """One data row of an import file."""

    number: int  # 1-based sheet row, or the line where a text record starts
    values: list  # one value per header, with text stripped and None for an empty cell


@dataclass
class Table:
    """The header and the lazily read data rows of an import file."""

    path: Path
    format: str  # "csv", "txt" or "xlsx"
    encoding: str | None  # Python codec name of a text file, None for XLSX
    delimiter: str | None  # field delimiter of a text file, None for XLSX
    header_row: int  # 1-based row number of the header row
    headers: list[str]
    rows: Iterator[Row]


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

    if head.startswith(_ZIP_MAGIC):
        records = _xlsx_records(path, sheet)
        file_format, encoding, delimiter = "xlsx", None, None
    elif head.startswith(_OLE2_MAGIC):
        raise ImportFileError(
            _("{path} is an old Excel workbook (.xls) or a password-protected file, which "
              "Pandai cannot read. Open it in Excel and save it as .xlsx or CSV (UTF-8).")
            .format(path=path), path)
    else:
        if encoding:
            encoding = _check_encoding(path, encoding, head)
        else:
            encoding = _detect_encoding(path, head)
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
    return Table(path, file_format, encoding, delimiter, header_row, headers, rows)


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

def _check_encoding(path: Path, encoding: str, head: bytes) -> str:
    """Return the codec name for a given encoding, switched to its BOM variant when needed."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(
            _("Unknown encoding \"{encoding}\". Use a name such as utf-8, cp1250 or iso-8859-2.")
            .format(encoding=encoding), path) from None

    # A BOM read as data would end up in the first header name and break its quoting.
    bom, variant = _BOM_VARIANTS.get(name, (None, name))
    return variant if bom and head.startswith(bom) else name


def _detect_encoding(path: Path, head: bytes) -> str:
    """Return the codec of a text file: BOM, UTF-16 by NULs, strict UTF-8, then a code page."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    # UTF-16 comes before UTF-8 because ASCII text in UTF-16 is valid UTF-8 as well.
    utf16 = _utf16_by_nul_pattern(head)
    if utf16:
        return utf16
    if b"\x00" in head:
        raise ImportFileError(
            _("{path} is not a text file or an Excel workbook (.xlsx). Save the data as .xlsx "
              "or CSV (UTF-8) and import that file.").format(path=path), path)

    if _is_utf8(path):
        return "utf-8"
    return _guess_code_page(path, head)


def _is_utf8(path: Path) -> bool:
    # The whole file is checked in chunks, so a late accented letter in a code page is noticed.
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf16_by_nul_pattern(head: bytes) -> str | None:
    # Mostly Latin text in UTF-16 has a NUL high byte in most code units. That byte comes
    # second in little-endian and first in big-endian.
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) // 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) // 2)
    candidate = None
    if odd_nuls > 0.4 and even_nuls < 0.05:
        candidate = "utf-16-le"
    elif even_nuls > 0.4 and odd_nuls < 0.05:
        candidate = "utf-16-be"
    if candidate:
        try:
            sample.decode(candidate)
        except UnicodeDecodeError:
            return None
    return candidate


def _guess_code_page(path: Path, head: bytes) -> str:
    """Choose the 8-bit code page, preferring Windows-1250 wherever ISO-8859-2 reads the same."""
    from charset_normalizer import from_bytes

    # NOTE: charset-normalizer 3.5.3 ranks Windows-1250 and Windows-1252 equally for French or
    # Spanish text, so their letters missing from Windows-1250 (è, à, ñ) come out wrong unless
    # the caller passes encoding="cp1252".
    match = from_bytes(head, cp_isolation=["cp1250", "iso8859_2", "cp1252"]).best()
    guess = match.encoding if match else "cp1250"
    if guess == "cp1252" and set(head) & _HUNGARIAN_DOUBLE_ACUTE:
        guess = "cp1250"
    # charset-normalizer 3.5.3 picks Windows-1250 for short ISO-8859-2 Czech text, so the bytes
    # on which the two code pages disagree decide between them.
    if guess in ("cp1250", "iso8859_2"):
        guess = _cp1250_or_latin2(head)

    if not _decodes(head, guess):
        raise ImportFileError(
            _("Cannot detect the text encoding of {path}. Save it as CSV (UTF-8), or give the "
              "encoding with --encoding.").format(path=path), path)
    return codecs.lookup(guess).name


def _cp1250_or_latin2(head: bytes) -> str:
    """Return the code page that decodes more of the disputed bytes to letters, cp1250 on a tie.

    A control character or an undefined byte counts against a code page, so the quotes and
    dashes of Windows-1250 (C1 controls in ISO-8859-2) favour Windows-1250.
    """
    scores = {"cp1250": 0, "iso8859_2": 0}
    for byte, count in Counter(head).items():
        if byte not in _CP1250_LATIN2_DIFFERENCES:
            continue
        for codec in scores:
            char = bytes([byte]).decode(codec, "replace")
            if char.isalpha():
                scores[codec] += count
            elif char == "\ufffd" or unicodedata.category(char) == "Cc":
                scores[codec] -= count
    return "iso8859_2" if scores["iso8859_2"] > scores["cp1250"] else "cp1250"


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


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
        while chunk := handle.read(_CHUNK_BYTES):
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
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
    counts = [len(fields) for fields in islice(reader, 50) if fields]
    if not counts:
        return 0.0
    columns, rows = Counter(counts).most_common(1)[0]
    return (columns - 1) * rows / len(counts)


def _text_records(path: Path, encoding: str, delimiter: str) -> Iterator[Record]:
    start_line = 1
    try:
        with path.open(encoding=encoding, newline="") as stream:
            reader = csv.reader(stream, delimiter=delimiter)
            for fields in reader:
                values = [_clean_text(field) for field in fields]
                if any(value is not None for value in values):
                    yield start_line, values
                start_line = reader.line_num + 1
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


# --- XLSX -------------------------------------------------------------------------------------

def _xlsx_records(path: Path, sheet: str | None) -> Iterator[Record]:
    import openpyxl

    # openpyxl warns about workbook parts it drops, such as data validation or extensions.
    # They do not change cell values and the core must not print.
    warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")

    handle = path.open("rb")
    try:
        # A file object, unlike a path, makes openpyxl skip its file-extension check, so the
        # content alone decides.
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types (BadZipFile, KeyError, ...)
        handle.close()
        raise _damaged_workbook(path, error) from error

    worksheet = _choose_sheet(path, handle, workbook, sheet)
    return _sheet_records(path, handle, workbook, worksheet)


def _choose_sheet(path: Path, handle, workbook, sheet: str | None):
    worksheets = workbook.worksheets
    if worksheets and sheet is None:
        return worksheets[0]
    if sheet is not None:
        # Excel treats sheet names that differ only in case as the same name.
        for worksheet in worksheets:
            if worksheet.title.casefold() == sheet.strip().casefold():
                return worksheet

    names = [worksheet.title for worksheet in worksheets]
    workbook.close()
    handle.close()
    if not names:
        raise ImportFileError(_("{path} contains no worksheet.").format(path=path), path)
    raise ImportFileError(
        _("No sheet named \"{sheet}\" in {path}. Its sheets are: {sheets}.")
        .format(sheet=sheet, path=path, sheets=", ".join(names)), path)


def _sheet_records(path: Path, handle, workbook, worksheet) -> Iterator[Record]:
    try:
        # The dimension stored in the file can be wrong, so openpyxl is told to read every row.
        worksheet.reset_dimensions()
        for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
            values = [_clean_cell(cell) for cell in cells]
            if any(value is not None for value in values):
                yield number, values
    except Exception as error:  # the sheet's XML is parsed lazily, while rows are read
        raise _damaged_workbook(path, error) from error
    finally:
        workbook.close()
        handle.close()


def _damaged_workbook(path: Path, error: Exception) -> ImportFileError:
    reason = str(error) or type(error).__name__
    return ImportFileError(
        _("Cannot read {path} as an Excel workbook (.xlsx): {reason}. The file may be damaged "
          "or in another format such as .xlsb or .ods. Open it in a spreadsheet program and save "
          "it as .xlsx or CSV (UTF-8).").format(path=path, reason=reason),
        path)


def _clean_cell(value):
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, datetime) and value.time() == time(0, 0):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


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
