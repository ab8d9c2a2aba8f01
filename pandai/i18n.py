"""Language selection, gettext catalogs and locale-aware formatting.

Messages are written in English in the code and looked up in the ``pandai`` gettext domain, whose
catalogs live in ``pandai/locale/<lang>/LC_MESSAGES/pandai.po`` (compiled to ``.mo`` beside it).
The same domain also translates the strings of click, which Typer uses for usage lines and
errors: click looks its strings up through :func:`gettext.gettext`, so :func:`activate` makes
``pandai`` the global text domain.
"""

from __future__ import annotations

import gettext
import locale
import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "pandai"
SUPPORTED = ("hu", "en")
DEFAULT_WORKSPACE_LANGUAGE = "hu"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    """Translate ``message`` into the active language."""
    return _translation.gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it; ``_`` translates it on use."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on ``count``."""
    return _translation.ngettext(singular, plural, count)


def current_language() -> str:
    """Return the active language code, ``hu`` or ``en``."""
    return _language


def normalize_language(value: str | None) -> str | None:
    """Return ``hu`` or ``en`` for a locale name such as ``hu_HU.UTF-8``, else None."""
    if not value:
        return None
    code = value.strip().split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
    return code if code in SUPPORTED else None


def system_language() -> str:
    """Return the language the system locale names, English when it names no supported one."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return normalize_language(value) or "en"
    return normalize_language(locale.getlocale()[0]) or "en"


def choose_language(workspace_language: str | None) -> str:
    """Return the language to use: PANDAI_LANG, then the workspace, then the system locale."""
    override = normalize_language(os.environ.get("PANDAI_LANG"))
    if override:
        return override
    if workspace_language:
        return normalize_language(workspace_language) or "en"
    return system_language()


def activate(language: str) -> None:
    """Make ``language`` the active language for Pandai's and click's messages."""
    global _translation, _language
    _language = language if language in SUPPORTED else "en"
    _translation = gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[_language], fallback=True
    )
    # click and Typer call gettext.gettext() from the global domain. Pointing that domain at
    # pandai's catalog, and LANGUAGE at the chosen language, makes their usage lines and
    # error texts follow the same language.
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = _language


def format_date(value: date | datetime | None) -> str:
    """Format a date the way the active language writes it (``2026. 12. 05.`` or ``Dec 5, 2026``)."""
    if value is None:
        return ""
    from babel.dates import format_date as babel_format_date, format_datetime

    if isinstance(value, datetime):
        pattern = "short" if _language == "hu" else "medium"
        return format_datetime(value, format=pattern, locale=_language)
    return babel_format_date(value, format="short" if _language == "hu" else "medium",
                             locale=_language)


def format_number(value: int | float | Decimal | None) -> str:
    """Format a number with the active language's grouping (``1 500 000`` or ``1,500,000``)."""
    if value is None:
        return ""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_language)


def format_money(value: int | float | Decimal | None, currency: str = "HUF") -> str:
    """Format an amount with its currency, without decimals for forint (``1 500 000 Ft``)."""
    if value is None:
        return ""
    from babel.numbers import format_currency

    digits = "#,##0" if currency == "HUF" else "#,##0.00"
    pattern = f"{digits} ¤" if _language == "hu" else f"¤{digits}"
    return format_currency(value, currency, format=pattern, locale=_language,
                           currency_digits=False)
