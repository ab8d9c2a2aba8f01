"""Reading the rows of an Excel workbook (.xlsx) with openpyxl, streamed in read-only mode.

Cells arrive as Python values: text stripped (None when empty), whole floats as ``int``, and
date cells at midnight as ``date``. Number cells in a date column stay numbers here; the
importer reads them as date serial numbers in the workbook's date system, which
:func:`open_workbook` returns with the rows.
"""

from __future__ import annotations

import warnings
from datetime import datetime, time
from pathlib import Path
from typing import Iterator

from pandai.errors import ImportFileError
from pandai.i18n import _

Record = tuple[int, list]


def open_workbook(path: Path, sheet: str | None) -> tuple[Iterator[Record], bool]:
    """Return the non-empty rows of a worksheet, and True when the workbook uses 1904 dates."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

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
    date1904 = workbook.epoch == CALENDAR_MAC_1904
    return _sheet_records(path, handle, workbook, worksheet), date1904


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
        # The dimension stored in the file can be wrong, so openpyxl is asked to read every row.
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
        value = value.strip()
        return value or None
    if isinstance(value, datetime) and value.time() == time(0, 0):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
