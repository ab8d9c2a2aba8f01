"""Reading JSON as ``pandai list --format json`` writes it: an array of client objects.

Each object becomes one row, numbered by its position in the array (the first object is row 1).
The headers are the keys of all objects in the order they first appear, so ``id``, the field
keys, ``notes`` and ``status_history`` arrive as they were exported, with JSON values (numbers,
lists and objects) unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

from pandai.errors import ImportFileError
from pandai.i18n import _
from pandai.importing.encodings import detect_encoding
from pandai.importing.readers import Row, Table


def read_json(path: Path) -> Table:
    """Read a JSON array of objects into a keyed table; raise ImportFileError when it is not."""
    # NOTE: the whole document is parsed at once, because the standard json module cannot
    # stream, so a JSON import needs memory in proportion to the file.
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    encoding = detect_encoding(path, head)
    try:
        document = json.loads(path.read_text(encoding=encoding))
    except json.JSONDecodeError as error:
        raise ImportFileError(
            _("{path}:{line}: invalid JSON: {reason}. Export the clients again with "
              "'pandai list --format json'.").format(path=path, line=error.lineno,
                                                       reason=error.msg),
            path, error.lineno) from None
    except UnicodeDecodeError:
        raise ImportFileError(_("{path}: JSON must be UTF-8 text. Save it as UTF-8.")
                              .format(path=path), path) from None

    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise ImportFileError(
            _("{path}: expected a JSON array of client objects, as 'pandai list --format json' "
              "writes.").format(path=path), path)
    headers: dict[str, None] = {}
    for item in document:
        headers.update(dict.fromkeys(str(key) for key in item))
    keys = list(headers)
    rows = (Row(number, [_empty_to_none(item.get(key)) for key in keys])
            for number, item in enumerate(document, start=1))
    return Table(path, "json", encoding, None, 0, keys, rows, keyed=True)


def _empty_to_none(value):
    if isinstance(value, str):
        return value.strip() or None
    if value == [] or value == {}:
        return None
    return value
