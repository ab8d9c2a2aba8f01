"""Parsing client files for the cache, in two processes when there are many.

Each file is read once: the same bytes are hashed and parsed, so a stored hash always belongs
to the stored data. A file that fails any step is returned as None, and the caller asks
``store.read_client`` for the exact error, which is never cached.

Plain files are parsed about twice as fast as ``yamlio.parse`` by composing them with libyaml
and building the values directly. That gives what PyYAML's base loader gives: it ignores tags
and makes every scalar a string, every sequence a list and every mapping a dict. Anything else,
such as aliases, conflict markers, complex keys or invalid YAML, goes through ``yamlio.parse``.
"""

from __future__ import annotations

import logging
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from pandai import yamlio
from pandai.cached_client import summarize
from pandai.client import from_file_data
from pandai.errors import FileError
from pandai.fields import FieldSet

log = logging.getLogger(__name__)
# Below this many files a second process costs more than it saves. NOTE: an estimate, because
# forking and sending the results back cost tens of milliseconds; it was not measured apart.
PARALLEL_MINIMUM = 1000


def git_hash(raw: bytes) -> str:
    """Return the git blob id of a file's bytes, the content hash the cache compares."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


@lru_cache(maxsize=None)
def _composer_class() -> type:
    """Return libyaml's composer with no tag resolution: the base loader ignores tags anyway."""
    from yaml._yaml import CParser

    class Composer(CParser):
        def resolve(self, kind: type, value: Any, implicit: Any) -> str:
            return ""

        def descend_resolver(self, parent: Any, index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

    return Composer


class _NotPlain(Exception):
    """The document needs ``yamlio.parse``."""


def _build(node: Any, scalar: type, mapping: type) -> Any:
    kind = type(node)
    if kind is scalar:
        return node.value
    if kind is mapping:
        values = {}
        for key_node, value_node in node.value:
            if type(key_node) is not scalar:
                raise _NotPlain()
            values[key_node.value] = _build(value_node, scalar, mapping)
        return values
    return [_build(child, scalar, mapping) for child in node.value]


def parse_yaml(text: str, path: Path) -> Any:
    """Return what ``yamlio.parse`` returns for ``text``, faster for plain documents."""
    if "*" in text or "<<<<<<<" in text or "=======" in text or ">>>>>>>" in text:
        return yamlio.parse(text, path)
    import yaml
    from yaml.nodes import MappingNode, ScalarNode

    composer = _composer_class()(text)
    try:
        node = composer.get_single_node()
        return None if node is None else _build(node, ScalarNode, MappingNode)
    except (yaml.YAMLError, _NotPlain, RecursionError):
        return yamlio.parse(text, path)
    finally:
        composer.dispose()


def parse_file(folder: Path, name: str, fieldset: FieldSet
               ) -> tuple[tuple, str, dict[str, Any], list[tuple[str, str]]] | None:
    """Read, hash and convert one client file; return None when it cannot be used.

    Decoding follows ``yamlio.read``: UTF-8 with universal newlines.
    """
    path = folder / name
    try:
        with open(path, "rb") as stream:
            status = os.fstat(stream.fileno())
            if status.st_size > yamlio.MAX_FILE_BYTES:
                return None
            raw = stream.read()
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        client = from_file_data(path.stem, parse_yaml(text, path), fieldset, path)
    except (OSError, UnicodeDecodeError, FileError):
        return None
    stat_data = (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    return stat_data, git_hash(raw), client.data, client.problems


def parse_batch(arguments: tuple[Path, list[str], FieldSet]) -> list[tuple[str, tuple | None]]:
    """Return (name, (stat data, hash, pickled data, summary, problems) or None) per file."""
    import pickle

    folder, names, fieldset = arguments
    results: list[tuple[str, tuple | None]] = []
    for name in names:
        parsed = parse_file(folder, name, fieldset)
        if parsed is None:
            results.append((name, None))
            continue
        stat_data, digest, data, problems = parsed
        blob = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
        results.append((name, (stat_data, digest, blob, summarize(fieldset, data), problems)))
    return results


def parse_many(folder: Path, names: list[str], fieldset: FieldSet
               ) -> list[tuple[str, tuple | None]]:
    """Parse files like :func:`parse_batch`, half of them in a forked process when many."""
    if len(names) < PARALLEL_MINIMUM or sys.platform != "linux" or (os.cpu_count() or 1) < 2:
        return parse_batch((folder, names, fieldset))
    import multiprocessing

    half = len(names) // 2
    try:
        pool = multiprocessing.get_context("fork").Pool(1)
    except OSError as error:
        log.warning("cannot start a second process: %s", error)
        return parse_batch((folder, names, fieldset))
    with pool:
        other = pool.apply_async(parse_batch, ((folder, names[half:], fieldset),))
        results = parse_batch((folder, names[:half], fieldset))
        results += other.get()
    return results
