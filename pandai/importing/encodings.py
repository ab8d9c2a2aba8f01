"""Detecting the text encoding of an import file.

The order is: a byte order mark, then the NUL pattern of UTF-16 without a BOM, then strict
UTF-8 over the whole file, then charset-normalizer among Windows-1250, ISO-8859-2 and
Windows-1252, with extra checks for Hungarian letters. Every failure is an ImportFileError that
names the file and what the user can do.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections import Counter
from pathlib import Path

from pandai.errors import ImportFileError
from pandai.i18n import _

CHUNK_BYTES = 1024 * 1024
BOMS = (
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


def check_encoding(path: Path, encoding: str, head: bytes) -> str:
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


def detect_encoding(path: Path, head: bytes) -> str:
    """Return the codec of a text file: BOM, UTF-16 by NULs, strict UTF-8, then a code page."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    # UTF-16 comes before UTF-8 because ASCII text in UTF-16 is valid UTF-8 as well.
    utf16 = utf16_by_nul_pattern(head)
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
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def utf16_by_nul_pattern(head: bytes) -> str | None:
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
