"""Maintenance of the gettext catalogs: extract messages, update the .po files, compile .mo.

Run ``python -m pandai.catalogs`` after changing messages: it extracts every ``_()``, ``N_()``
and ``ngettext()`` string of the package, plus the strings click shows in usage and error
texts, merges them into ``pandai/locale/<lang>/LC_MESSAGES/pandai.po`` and compiles the ``.mo``
files. Translators work on the ``.po`` files with any standard tool. The tests call
:func:`missing_translations` so that a message without its Hungarian translation fails them.
"""

from __future__ import annotations

import re
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).parent
LOCALE_DIR = PACKAGE / "locale"
LANGUAGES = ("hu",)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# click modules whose messages reach users through usage lines and errors.
CLICK_MODULES = ("core.py", "exceptions.py", "formatting.py", "parser.py", "types.py",
                 "termui.py", "decorators.py")
# Typer modules whose messages (such as "Arguments" and "[required]") reach users.
TYPER_MODULES = ("core.py",)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _source_files() -> list[Path]:
    import click

    own = sorted(path for path in PACKAGE.rglob("*.py") if path.name != "catalogs.py")
    import typer

    click_dir = Path(click.__file__).parent
    typer_dir = Path(typer.__file__).parent
    return (own + [click_dir / name for name in CLICK_MODULES if (click_dir / name).exists()]
            + [typer_dir / name for name in TYPER_MODULES if (typer_dir / name).exists()])


def extract() -> Catalog:
    """Return a template catalog of every message the package and click show."""
    template = Catalog(project="pandai", charset="utf-8")
    for path in _source_files():
        shown = path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE.parent) \
            else Path(path.parent.name) / path.name
        for line, message, comments, context in extract_from_file(
                "python", str(path), keywords=KEYWORDS):
            template.add(message, None, [(str(shown), line)], auto_comments=comments,
                         context=context)
    return template


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "pandai.po"


def read_catalog(language: str) -> Catalog:
    """Read a language's .po file, or return an empty catalog when there is none."""
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="pandai", charset="utf-8")
    with path.open("rb") as stream:
        return read_po(stream, locale=language)


def compile_catalog(catalog: Catalog) -> bytes:
    """Return the .mo bytes of a catalog, leaving fuzzy entries out."""
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update() -> None:
    """Merge the extracted messages into every .po file and compile the .mo files."""
    template = extract()
    for language in LANGUAGES:
        catalog = read_catalog(language)
        catalog.update(template, no_fuzzy_matching=True)
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as stream:
            write_po(stream, catalog, width=100, omit_header=False, ignore_obsolete=True)
        path.with_suffix(".mo").write_bytes(compile_catalog(catalog))


def missing_translations(language: str) -> list[str]:
    """Return the messages that have no usable translation in a language's catalog.

    A message counts as missing when the .po file lacks it, leaves it empty or fuzzy, or
    translates it with other ``{placeholders}`` than the English text has.
    """
    catalog = read_catalog(language)
    problems = []
    for message in extract():
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = entry.string if entry and isinstance(entry.string, tuple) else \
            ((entry.string,) if entry else ("",))
        if entry is None or entry.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = _placeholders(ids[-1])
        for translated in strings:
            if _placeholders(translated) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {translated!r}")
    return problems


def _placeholders(text: str) -> set[str]:
    # Doubled braces are literal braces in str.format, not placeholders.
    return set(_PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def stale_mo(language: str) -> bool:
    """Return True when the compiled .mo file does not match its .po file."""
    mo = po_path(language).with_suffix(".mo")
    return not mo.exists() or mo.read_bytes() != compile_catalog(read_catalog(language))


if __name__ == "__main__":
    update()
    for code in LANGUAGES:
        missing = missing_translations(code)
        print(f"{code}: {len(missing)} messages need work", file=sys.stderr)
        for problem in missing[:50]:
            print(f"  {problem}", file=sys.stderr)
