"""A direct writer for simple client files, giving the text :func:`pandai.yamlio.dump` gives.

Many client files, and most clients that a CSV import creates, contain only one-line text,
numbers, dates, flow lists, status history entries and notes of one line. For such values the
style PyYAML's emitter chooses depends on each value alone, so :func:`write` builds the text
directly: about 10 us for an imported client, against 70-120 us through libyaml's emitter
and 400-500 us through PyYAML's own (timeit, on the machine of docs/benchmarks.md). For anything
else it returns None and the caller uses PyYAML: multi-line text, text that would need single
quotes or escapes, nested mappings, floats, unusual keys, and lines long enough to wrap.
tests/test_yaml_files.py compares the two writers on the demo clients and on generated data.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pandai.yamlio import FlowDict, FlowList, needs_quotes

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
# Characters that PyYAML (with allow_unicode) writes as they are in every style: printable, and
# no line break (NEL, LS and PS included), byte order mark, or character beyond U+FFFF.
_PRINTABLE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*\\Z")
# Characters that keep PyYAML from writing text plain in flow context, wherever they are, or
# in block context, depending on what follows them.
_INDICATORS = re.compile(r"[,?\[\]{}:#]")
# Characters that keep PyYAML from writing text plain when they come first, as "---" and "..."
# (a document's start and end) do.
_FIRST_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` ")
# Timestamps from datetime.isoformat that YAML's timestamp pattern matches, so PyYAML
# writes them plain.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?\Z")
# Characters of text on one line, far enough below PyYAML's 4096-column width to never wrap.
_MAX_LINE = 1500


def write(data: dict) -> str | None:
    """Return the YAML text of a simple client mapping, or None when it is not simple."""
    if not data:
        return None
    lines = []
    for key, value in data.items():
        if not _is_key(key):
            return None
        kind = type(value)
        if kind is list:
            if not value:
                lines.append(f"{key}: []")
                continue
            lines.append(f"{key}:")
            for item in value:
                if not _append_item(lines, item):
                    return None
            continue
        text = _flow(value) if kind is FlowList or kind is FlowDict else _scalar(value, False)
        if text is None:
            return None
        lines.append(f"{key}: {text}")
    return "\n".join(lines) + "\n"


def _append_item(lines: list[str], item: Any) -> bool:
    """Append a block sequence item: a flow mapping, or a block mapping of scalars."""
    kind = type(item)
    if kind is FlowDict:
        text = _flow(item)
        if text is None:
            return False
        lines.append(f"- {text}")
        return True
    if kind is not dict or not item:
        return False
    prefix = "- "
    for key, value in item.items():
        text = _scalar(value, False) if _is_key(key) else None
        if text is None:
            return False
        lines.append(f"{prefix}{key}: {text}")
        prefix = "  "
    return True


def _flow(value: Any) -> str | None:
    """Return a flow list or mapping of scalars, such as ``{at: 2026-10-02, to: Új lead}``."""
    if type(value) is FlowList:
        parts = [_scalar(item, True) for item in value]
        opening, closing = "[", "]"
    else:
        parts = [_flow_entry(key, item) for key, item in value.items()]
        opening, closing = "{", "}"
    if None in parts:
        return None
    text = opening + ", ".join(parts) + closing
    return text if len(text) <= _MAX_LINE else None


def _flow_entry(key: Any, value: Any) -> str | None:
    text = _scalar(value, True) if _is_key(key) else None
    return None if text is None else f"{key}: {text}"


def _scalar(value: Any, flow: bool) -> str | None:
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is int:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is date:
        return value.isoformat()
    if kind is datetime and not flow:
        # In a flow collection PyYAML quotes a timestamp and adds its tag.
        text = value.isoformat()
        return text if _TIMESTAMP.match(text) else None
    if value is None:
        return "null"
    return None


@lru_cache(maxsize=4096)
def _text(value: str) -> str | None:
    if len(value) > _MAX_LINE or not _PRINTABLE.match(value):
        return None
    if needs_quotes(value):
        # Double quotes need no escapes for the printable characters but these two.
        return None if '"' in value or "\\" in value else f'"{value}"'
    if value[0] in _FIRST_INDICATORS or value.startswith(("---", "...")) \
            or _INDICATORS.search(value):
        return None
    return value


@lru_cache(maxsize=1024)
def _is_key(key: Any) -> bool:
    # Cached: every client file repeats the same few keys.
    return type(key) is str and _KEY.match(key) is not None and _text(key) == key
