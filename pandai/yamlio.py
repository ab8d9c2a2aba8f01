"""Reading and writing the workspace's YAML files.

Reading uses PyYAML's base loader, so every scalar arrives as a string exactly as written:
``06301234567``, ``NO``, ``on`` and ``10:30`` stay text until a field type converts them.
Writing quotes every string that a YAML 1.1 reader would take for another type, writes dates and
numbers plain, and keeps the key order it is given, so a file pandai wrote reads back identical.
Every write goes to a temporary file in the same folder, is flushed to disk and then renamed over
the target, so a crash leaves either the old or the new file.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pandai.errors import FileError, MergeConflict
from pandai.i18n import _

if TYPE_CHECKING:
    import yaml

# NOTE: yaml is imported inside the functions, so that 'pandai --help' does not load it.
_CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7})(\s|$)", re.M)
MAX_FILE_BYTES = 10 * 1024 * 1024
# Strings that YAML 1.2 readers or spreadsheets would take for numbers or booleans, beyond what
# PyYAML's YAML 1.1 resolver already flags: 1e3, 0o17, 1_000, y, n.
_NUMBER_LIKE = re.compile(r"^[-+]?(\.?[0-9][0-9_.,:eExXoObB+-]*|\.(inf|nan))$|^(y|n|~)$", re.I)


class FlowList(list):
    """A list written in flow style: ``tags: [vip, partner]``."""


class FlowDict(dict):
    """A mapping written in flow style: ``{at: 2026-10-02, by: anna, to: Új lead}``."""


@lru_cache(maxsize=None)
def _loader() -> type:
    import yaml

    return getattr(yaml, "CBaseLoader", yaml.BaseLoader)


@lru_cache(maxsize=None)
def _dumper() -> type:
    """Return a SafeDumper that keeps key order and writes pandai's preferred scalar styles."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    _add_representers(_Dumper)
    return _Dumper


@lru_cache(maxsize=None)
def _libyaml_dumper() -> type | None:
    """Return the same dumper over libyaml's emitter, or None when PyYAML was built without it.

    libyaml's emitter is about five times faster than PyYAML's pure-Python one, but writes some
    text differently, so :func:`dump` uses it only for data that :func:`_emits_alike` accepts.
    """
    import yaml

    if not hasattr(yaml, "CSafeDumper"):
        return None

    class _LibyamlDumper(yaml.CSafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    _add_representers(_LibyamlDumper)
    return _LibyamlDumper


def _add_representers(dumper: type) -> None:
    import yaml

    dumper.add_representer(str, _represent_str)
    dumper.add_representer(datetime, _represent_datetime)
    dumper.add_representer(date, yaml.SafeDumper.represent_date)
    dumper.add_representer(dict, _represent_dict)
    dumper.add_representer(FlowDict, _represent_flow_dict)
    dumper.add_representer(FlowList, _represent_flow_list)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    node = dumper.represent_scalar("tag:yaml.org,2002:str", value)
    if needs_quotes(value):
        node.style = '"'
    return node


def needs_quotes(text: str) -> bool:
    """Return True when one-line text is written in double quotes, so that it stays text."""
    import yaml

    resolved = _resolver().resolve(yaml.ScalarNode, text, (True, False))
    return (resolved != "tag:yaml.org,2002:str" or _NUMBER_LIKE.match(text) is not None
            or text != text.strip() or text == "")


@lru_cache(maxsize=None)
def _resolver() -> yaml.resolver.Resolver:
    import yaml

    return yaml.resolver.Resolver()


def _represent_datetime(dumper: yaml.SafeDumper, value: datetime) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


def _represent_dict(dumper: yaml.SafeDumper, value: dict) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=False)


def _represent_flow_dict(dumper: yaml.SafeDumper, value: dict) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


def _represent_flow_list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


def dump(data: Any) -> str:
    """Serialize ``data`` as block-style YAML in the given key order."""
    from pandai import yaml_direct

    if type(data) is dict:
        text = yaml_direct.write(data)
        if text is not None:
            return text
    fast = _libyaml_dumper()
    if fast is not None and type(data) is dict and _emits_alike(data):
        return _dump_with(fast, data)
    return _dump_with(_dumper(), data)


def _dump_with(dumper: type, data: Any) -> str:
    import yaml

    return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=4096, indent=2)


# The documents _emits_alike accepts. libyaml 0.2.5 and PyYAML 6.0.x write the same text for it, as
# tests/test_yaml_files.py checks on the demo clients and on generated data. Outside it the
# two differ. libyaml escapes characters beyond U+FFFF (emoji), treats NEL, LS, PS, tabs and
# carriage returns differently, and measures keys in bytes. It also ends a document after a
# kept final line break with "...", tags a datetime inside a flow collection with "!", and
# wraps lines longer than the 4096-column width at other places.
_ALIKE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
_ALIKE_TEXT = re.compile(r"[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*\Z")
# Characters of text on one output line; escaping can double them, which stays below the width.
_ALIKE_MAX_LINE = 1500
_ALIKE_MAX_DEPTH = 8
_ALIKE_SCALARS = (int, bool, float, date, type(None))


def _emits_alike(data: Any) -> bool:
    """Return True when libyaml's emitter writes ``data`` exactly as PyYAML's would."""
    return _line_width(data, flow=False, depth=0) is not None


def _line_width(value: Any, flow: bool, depth: int) -> int | None:
    """Return the characters ``value`` adds to its output line, or None when it is not alike.

    A value in block style takes lines of its own and adds nothing to its parent's line.
    """
    kind = type(value)
    if kind is str:
        if len(value) > _ALIKE_MAX_LINE or value.endswith("\n") or not _ALIKE_TEXT.match(value):
            return None
        return len(value)
    if kind is datetime:
        return None if flow else 32
    if kind in _ALIKE_SCALARS:
        return 32
    if depth >= _ALIKE_MAX_DEPTH:
        return None

    if kind is dict or kind is FlowDict:
        if not all(type(key) is str and _ALIKE_KEY.match(key) for key in value):
            return None
        items = list(value.values())
        total = sum(len(key) for key in value)
    elif kind is list or kind is FlowList:
        items = value
        total = 0
    else:
        return None
    inner_flow = flow or kind is FlowDict or kind is FlowList or not value
    for item in items:
        width = _line_width(item, inner_flow, depth + 1)
        if width is None:
            return None
        total += width + 4
    if not inner_flow:
        return 0
    if not flow and total > _ALIKE_MAX_LINE:
        return None
    return total


def parse(text: str, path: Path) -> Any:
    """Parse YAML text with no implicit typing; raise FileError with the line of any problem."""
    import yaml

    marker = _CONFLICT_MARKER.search(text)
    if marker:
        line = text.count("\n", 0, marker.start()) + 1
        raise MergeConflict(
            _("{path}:{line}: unresolved git merge: the file contains conflict markers. "
              "Edit it to keep the right lines, then run the command again.").format(
                path=path, line=line),
            path, line)
    try:
        if "*" in text:
            _reject_aliases(text, path)
        return yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        reason = error.problem or error.context or str(error)
        raise FileError(
            _("{path}:{line}: invalid YAML: {reason}. Fix the file by hand or restore it "
              "with git.").format(path=path, line=line or "?", reason=reason),
            path, line) from error
    except yaml.YAMLError as error:
        raise FileError(
            _("{path}: invalid YAML: {reason}. Fix the file by hand or restore it with git.")
            .format(path=path, reason=error), path) from error


def _reject_aliases(text: str, path: Path) -> None:
    # Aliases let a few lines expand into gigabytes ("billion laughs"), and pandai never writes
    # them, so a file that uses one is rejected before it is built.
    import yaml

    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else None
            raise FileError(
                _("{path}:{line}: YAML aliases (*name) are not allowed in workspace files. "
                  "Write the value out in full.").format(path=path, line=line or "?"),
                path, line)


def read(path: Path, memo_dir: Path | None = None) -> Any:
    """Read and parse a YAML file; raise FileError when it is unreadable, too big or invalid.

    With ``memo_dir``, a file that was parsed before with the same text is not parsed again:
    its data comes from a memo there (see :func:`parse_remembered`).
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileError(
                _("{path}: the file is {size} bytes, more than the {limit} bytes a workspace "
                  "file may have. Move large content into the client's attachments.").format(
                    path=path, size=size, limit=MAX_FILE_BYTES), path)
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise FileError(
            _("{path}: the file is not valid UTF-8 (byte {offset}). Save it as UTF-8.").format(
                path=path, offset=error.start), path) from error
    except OSError as error:
        raise FileError(_("{path}: cannot read the file: {reason}").format(
            path=path, reason=error.strerror or error), path) from error
    if memo_dir is not None:
        return parse_remembered(text, path, memo_dir)
    return parse(text, path)


def parse_remembered(text: str, path: Path, memo_dir: Path) -> Any:
    """Return what ``parse(text, path)`` returns, from ``memo_dir`` when the text was seen.

    Every command reads the workspace's settings files. Keeping their parsed data saves loading
    PyYAML and parsing them, an estimated 15 ms of a short run (by cProfile). The memo, one file
    per settings file, stores the text beside the data, so any edit makes it miss. Its data are only
    what the base loader makes (dicts, lists, strings, None), which marshal stores exactly.
    Failures are never kept, and a memo that cannot be read or written is ignored.
    """
    import marshal

    memo = memo_dir / f"parsed-{path.name}.marshal"
    # A changed parser (this module) must not reuse data an older one made.
    status = os.stat(__file__)
    version = f"{status.st_size}:{status.st_mtime_ns}"
    try:
        stored_version, stored_text, data = marshal.loads(memo.read_bytes())
        if stored_version == version and stored_text == text:
            return data
    except (OSError, ValueError, EOFError, TypeError):
        pass
    data = parse(text, path)
    if memo_dir.is_dir():
        import tempfile

        temporary = None
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{memo.name}.", dir=memo_dir)
            with os.fdopen(handle, "wb") as stream:
                stream.write(marshal.dumps((version, text, data)))
            os.replace(temporary, memo)
        except (OSError, ValueError):
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
    return data


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a synced temporary file and a rename."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def write_temporary(path: Path, content: str | bytes) -> Path:
    """Write ``content`` to a new temporary file beside ``path`` and return the file's path.

    The file is not flushed to disk yet: pass it to :func:`sync_files` before anything refers
    to it, so that a change with many files waits for the disk once, not once a file.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        descriptor, temporary = _create_temporary(path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = _create_temporary(path)
    try:
        remaining = memoryview(data)
        while remaining:
            remaining = remaining[os.write(descriptor, remaining):]
    except BaseException:
        os.close(descriptor)
        temporary.unlink(missing_ok=True)
        raise
    os.close(descriptor)
    return temporary


# Flags of a new temporary file, as tempfile.mkstemp uses them.
_TEMPORARY_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                    | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def _create_temporary(path: Path) -> tuple[int, Path]:
    # tempfile.mkstemp and a file object took twice the time of these plain calls, which
    # mattered for an import that stages 10 000 files.
    while True:
        temporary = path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp"
        try:
            return os.open(temporary, _TEMPORARY_FLAGS, 0o600), temporary
        except FileExistsError:
            continue


# From this many files on, sync_files flushes the whole file system with one syncfs call. For
# 10 000 new client files that took 0.1 s, against 2.6 s for one fsync each (ext4, measured
# as docs/benchmarks.md describes under "Import").
SYNCFS_MIN_FILES = 64


def sync_files(paths: list[Path]) -> None:
    """Flush files and their folders' entries to disk; raise OSError when that fails.

    A few files are flushed one by one with fsync. Many files are flushed by one ``syncfs``
    call for each file system they are on, where Linux offers it.
    """
    folders = {path.parent for path in paths}
    syncfs = _syncfs() if len(paths) >= SYNCFS_MIN_FILES else None
    if syncfs is not None:
        # NOTE: syncfs also flushes what other programs wrote to the same file system, so it
        # can wait longer than the fsync calls it replaces when much else is being written.
        devices = {os.stat(folder).st_dev: folder for folder in folders}
        for folder in devices.values():
            _syncfs_folder(syncfs, folder)
        return
    for path in paths:
        descriptor = os.open(path, os.O_RDWR)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    for folder in folders:
        sync_folder(folder)


@lru_cache(maxsize=None)
def _syncfs() -> Any:
    """Return libc's syncfs function on Linux, else None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


def _syncfs_folder(syncfs: Any, folder: Path) -> None:
    import ctypes

    descriptor = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(descriptor) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), str(folder))
    finally:
        os.close(descriptor)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk: a rename is durable only once its folder is synced."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write(path: Path, data: Any) -> None:
    """Serialize ``data`` and write it atomically to ``path``."""
    write_atomic(path, dump(data))
