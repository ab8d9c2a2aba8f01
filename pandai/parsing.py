"""Parsers for the dates and amounts users type, in Hungarian or English.

Dates: ``2026-12-05``, ``2026.12.05.``, ``2026. 12. 05.``, ``2026/12/05``, ``2026. december 5.``,
``Dec 5, 2026``, ``ma``/``today``, ``holnap``/``tomorrow``, ``tegnap``/``yesterday`` and offsets
such as ``+7d``, ``-30d``, ``+2w``, ``-3m``, ``+1y`` (Hungarian units ``nap``, ``hét``, ``hó``,
``hónap``, ``év`` work too).
Amounts: ``1500000``, ``1 500 000 Ft``, ``1.500.000``, ``2 500 000,00 Ft``, ``1,5M``, ``1.5M``,
``500e``, ``500k``, ``1,2 millió``, ``2 Mrd``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

from pandai.i18n import _

_RELATIVE_WORDS = {
    "today": 0, "ma": 0, "now": 0, "most": 0,
    "tomorrow": 1, "holnap": 1,
    "yesterday": -1, "tegnap": -1,
    "holnaputan": 2, "tegnapelott": -2,
}
_UNIT_ALIASES = {
    "d": "d", "day": "d", "days": "d", "n": "d", "nap": "d",
    "w": "w", "week": "w", "weeks": "w", "het": "w", "hét": "w",
    "m": "m", "month": "m", "months": "m", "ho": "m", "hó": "m", "honap": "m", "hónap": "m",
    "y": "y", "year": "y", "years": "y", "ev": "y", "év": "y",
}
_OFFSET = re.compile(r"^([+-])\s*(\d{1,5})\s*([a-zA-Zéóá]*)$")
_NUMERIC_DATE = re.compile(r"^(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\s*\.?$")
_HU_MONTHS = ("januar", "februar", "marcius", "aprilis", "majus", "junius", "julius",
              "augusztus", "szeptember", "oktober", "november", "december")
_HU_MONTH_DATE = re.compile(r"^(\d{4})\.?\s*([a-z]+)\.?\s*(\d{1,2})\.?$")

_MULTIPLIERS = {
    "": 1, "k": 1000, "e": 1000, "ezer": 1000, "eft": 1000,
    "m": 1_000_000, "mio": 1_000_000, "millio": 1_000_000, "mft": 1_000_000,
    "mrd": 1_000_000_000, "milliard": 1_000_000_000, "bn": 1_000_000_000,
}
_CURRENCY_WORDS = re.compile(r"(ft\.?|huf|forint|,-|\.-)$")
_AMOUNT = re.compile(r"^([-+]?)([0-9][0-9.,]*)([a-z]*)$")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Return ``text`` lower-cased without accents, for accent-insensitive comparison."""
    # Cached: filters fold the same owners and statuses once per client on every list.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by whole months, clamped to the last day of a shorter month."""
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)


def parse_date(text: str, today: date | None = None) -> date:
    """Parse a date typed by a user; raise ValueError with a translated reason."""
    today = today or date.today()
    cleaned = " ".join(text.strip().split())
    folded = fold(cleaned)
    if folded in _RELATIVE_WORDS:
        return today + timedelta(days=_RELATIVE_WORDS[folded])

    offset = _OFFSET.match(folded)
    if offset:
        sign, amount, unit_text = offset.groups()
        unit = _UNIT_ALIASES.get(unit_text or "d")
        if unit is None:
            raise ValueError(_("unknown unit {unit!r}: use d, w, m or y (nap, hét, hónap, év)")
                             .format(unit=unit_text))
        count = int(amount) * (-1 if sign == "-" else 1)
        if unit == "d":
            return today + timedelta(days=count)
        if unit == "w":
            return today + timedelta(weeks=count)
        months = count if unit == "m" else count * 12
        return add_months(today, months)

    numeric = _NUMERIC_DATE.match(cleaned)
    if numeric:
        year, month, day = (int(part) for part in numeric.groups())
        return _make_date(year, month, day, text)

    named = _HU_MONTH_DATE.match(folded)
    if named and named.group(2) in _HU_MONTHS:
        month = _HU_MONTHS.index(named.group(2)) + 1
        return _make_date(int(named.group(1)), month, int(named.group(3)), text)

    if re.search(r"[a-z]", folded) and re.search(r"\d{4}", folded):
        # English month names ("Dec 5, 2026", "5 December 2026"): dateutil reads them safely.
        from dateutil import parser as date_parser

        try:
            return date_parser.parse(cleaned, default=datetime(today.year, 1, 1)).date()
        except (ValueError, OverflowError):
            pass
    raise ValueError(
        _("{value!r} is not a date: write 2026-12-05, 2026.12.05., today, tomorrow or +7d")
        .format(value=text))


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(_("{value!r} is not a valid calendar date").format(value=text)) from None


def parse_iso_date(text: str) -> date:
    """Parse a stored ISO date (``2026-12-05``), also accepting a date-time's date part.

    Raise ValueError naming the whole value, in the active language.
    """
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueError(_("{value!r} is not a date: write it as 2026-12-05").format(
            value=text)) from None


def parse_amount(text: str) -> Decimal:
    """Parse an amount typed the Hungarian or English way; raise ValueError with the reason."""
    cleaned = fold(text).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    cleaned = cleaned.replace("'", "").replace("’", "")
    cleaned = _CURRENCY_WORDS.sub("", cleaned)
    match = _AMOUNT.match(cleaned)
    if not match or match.group(3) not in _MULTIPLIERS:
        raise ValueError(
            _("{value!r} is not an amount: write 1500000, 1 500 000 Ft, 1.500.000 or 1,5M")
            .format(value=text))
    sign, digits, suffix = match.groups()
    multiplier = _MULTIPLIERS[suffix]
    number = _read_separators(digits, has_multiplier=multiplier != 1)
    try:
        amount = Decimal(number) * multiplier
    except InvalidOperation:
        raise ValueError(_("{value!r} is not an amount").format(value=text)) from None
    return -amount if sign == "-" else amount


def _read_separators(digits: str, has_multiplier: bool) -> str:
    """Turn ``1.500.000``, ``2500000,00``, ``1,5`` or ``1,500`` into a plain decimal string."""
    commas, dots = digits.count(","), digits.count(".")
    if commas and dots:
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        return digits.replace(group_mark, "").replace(decimal_mark, ".")
    for mark, count in ((",", commas), (".", dots)):
        if not count:
            continue
        head, _sep, tail = digits.rpartition(mark)
        if count > 1 or (len(tail) == 3 and not has_multiplier):
            # Several marks, or one followed by exactly three digits: a thousands separator.
            return digits.replace(mark, "")
        return head.replace(mark, "") + "." + tail
    return digits


def amount_to_int(amount: Decimal) -> int:
    """Round an amount to whole currency units, halves away from zero."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
