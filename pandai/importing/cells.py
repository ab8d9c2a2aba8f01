"""Converting import cells to field values, and undoing the damage spreadsheets do.

Excel turns a phone number typed as digits into a number: ``06301234567`` loses its leading
zero, ``+36301234567`` its plus sign, a CSV export may show it as ``36301234567.0``, and a
narrow column as ``3.63E+10``, which keeps only three digits. :func:`repair_phone` restores the
first three and rejects the last. A date typed in a text column, or a date cell that lost its
format, arrives as a date serial number such as ``45992``. :func:`serial_date` reads it in the
1900 date system, or in the 1904 one when the workbook uses it. It rejects serial 60, the
29 February 1900 that exists only in Excel.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from pandai import fields as fieldtypes
from pandai.errors import FieldError
from pandai.i18n import _
from pandai.parsing import amount_to_int, fold, parse_amount, parse_date
from pandai.workspace import Workspace

GOOGLE_SEPARATOR = " ::: "  # between the values of one cell in a Google Contacts export
_SCIENTIFIC = re.compile(r"^\+?(\d+)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")
_WHOLE_FLOAT = re.compile(r"^\+?(\d+)[.,]0+$")
_SERIAL = re.compile(r"^\d{1,7}(?:[.,]\d+)?$")
_LAST_SERIAL = 2958465  # 9999-12-31 in the 1900 date system
_NONEXISTENT_SERIAL = 60  # Excel's 1900-02-29, kept for compatibility with Lotus 1-2-3


class DamagedValue(ValueError):
    """A value a spreadsheet damaged beyond repair; the row is invalid in any import."""


def cell_text(value: Any) -> str:
    """Return a cell as stripped text: whole floats without ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    if isinstance(value, list):
        return ", ".join(cell_text(item) for item in value)
    return str(value).strip()


def repair_phone(value: Any, region: str = "HU") -> tuple[str, bool]:
    """Return phone text with the damage spreadsheets do undone, and whether it was repaired.

    A number that lost its leading ``0`` or ``+`` gets it back when the result is a valid
    number in ``region``. Raise DamagedValue for scientific notation that lost digits.
    """
    text = cell_text(value)
    scientific = _SCIENTIFIC.match(text.replace(" ", ""))
    whole = _WHOLE_FLOAT.match(text)
    if scientific:
        text = _expand_scientific(text, *scientific.groups())
    elif whole:
        text = whole.group(1)
    elif not (isinstance(value, (int, float)) or text.isdigit()):
        return text, False
    if text.startswith("0"):
        return text, bool(scientific or whole)

    import phonenumbers

    country_code = str(phonenumbers.country_code_for_region(region))
    # A number that starts with the country code lost its "+", any other one its trunk "0".
    candidate = "+" + text if text.startswith(country_code) else "0" + text
    try:
        fieldtypes.parse_phone(candidate, region)
    except ValueError:
        return text, bool(scientific or whole)
    return candidate, True


def _expand_scientific(text: str, whole: str, fraction: str | None, exponent: str) -> str:
    """Return the digits of ``3.6301234567E+10``; raise DamagedValue when digits were lost."""
    digits = (whole + (fraction or "")).lstrip("0")
    total = len(whole.lstrip("0")) + int(exponent)
    if len(digits) < total:
        raise DamagedValue(
            _("{value} is in scientific notation, so the spreadsheet kept only {kept} of its "
              "{total} digits and the number cannot be repaired. Format the column as text in "
              "the spreadsheet, type the numbers again, and export the file once more.")
            .format(value=text, kept=len(digits), total=total))
    return digits[:total]


def serial_date(value: Any, date1904: bool = False) -> date | None:
    """Return the date of an Excel date serial number, or None when ``value`` is not one.

    Raise DamagedValue for serial 60 in the 1900 date system, a day that does not exist.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            return None
    elif isinstance(value, str) and _SERIAL.match(value.strip()):
        number = float(value.strip().replace(",", "."))
    else:
        return None
    days = int(number)
    if not 1 <= days <= _LAST_SERIAL:
        return None
    if date1904:
        return date(1904, 1, 1) + timedelta(days=days)
    if days == _NONEXISTENT_SERIAL:
        raise DamagedValue(
            _("{value} is the Excel date serial number of 1900-02-29, a day that does not exist "
              "(Excel counts 1900 as a leap year). Type the right date in the file.")
            .format(value=cell_text(value)))
    # Serials before the fake leap day count from 1899-12-31, later ones from 1899-12-30.
    start = date(1899, 12, 31) if days < _NONEXISTENT_SERIAL else date(1899, 12, 30)
    return start + timedelta(days=days)


def convert_cell(workspace: Workspace, item: fieldtypes.Field, value: Any,
                 date1904: bool = False) -> tuple[Any, str | None]:
    """Convert one cell to a field value; return it with a remark about a repair, or None.

    Raise ValueError (or DamagedValue) with the reason when the cell does not fit the field.
    """
    if item.type == "date":
        return _convert_date(workspace, value, date1904)
    if item.type in ("money", "number"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ValueError(_("not a finite number"))
            return int(round(value)), None
        return amount_to_int(parse_amount(cell_text(value))), None
    if item.type == "person":
        member = workspace.team.resolve(cell_text(value))
        if member is not None:
            return member.id, None
        if workspace.team.members:
            raise ValueError(_("not a team member; choose one of: {choices}").format(
                choices=", ".join(workspace.team.ids())))
        return cell_text(value).lstrip("@"), None
    if item.type == "source":
        known = next((source for source in workspace.statuses.sources
                      if fold(source) == fold(cell_text(value))), None)
        return known or cell_text(value), None
    if item.type == "tags" and isinstance(value, list):
        value = ",".join(cell_text(tag) for tag in value)
    elif item.type == "tags":
        # Google Contacts writes "* myContacts ::: VIP", where myContacts is its built-in group.
        groups = [group.strip().removeprefix("* ") for group in
                  cell_text(value).split(GOOGLE_SEPARATOR)]
        value = ",".join(group for group in groups if group and group != "myContacts")
    try:
        return fieldtypes.from_input(item, cell_text(value), workspace), None
    except FieldError as error:
        raise ValueError(error.message) from None


def _convert_date(workspace: Workspace, value: Any, date1904: bool) -> tuple[date, str | None]:
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    text = cell_text(value)
    if len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:])), None
        except ValueError:
            pass
    serial = serial_date(value, date1904)
    if serial is not None:
        return serial, _("{value} was an Excel date serial number and was read as {date}").format(
            value=text, date=serial.isoformat())
    return parse_date(text, workspace.today), None


def convert_birthday(value: Any, date1904: bool = False) -> str:
    """Return a birthday as an ISO date (or ``--MM-DD`` without a year); raise ValueError."""
    if isinstance(value, str) and re.match(r"^--\d{2}-\d{2}$", value.strip()):
        return value.strip()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = cell_text(value)
    serial = serial_date(value, date1904)
    if serial is not None and not (len(text) == 8 and text.isdigit()):
        return serial.isoformat()
    if len(text) == 8 and text.isdigit():
        return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    return parse_date(text).isoformat()
