"""The stored state of one client folder, and git's report on which files changed.

A :class:`Snapshot` is what ``.pandai/cache.sqlite`` keeps per folder (see pandai.cache). A
:class:`GitReport` runs ``git ls-files`` beside the cache read, so that a git work tree can vouch
for its files without pandai looking at each of them; ``index_checksum`` and ``folder_stamp``
tell whether git's index and the folder listing are still those of a snapshot.
"""

from __future__ import annotations

import atexit
import logging
import marshal
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable

from pandai import gitops

log = logging.getLogger(__name__)


class Snapshot:
    """The cached state of one folder: file names with, parallel to them, hashes and columns.

    ``columns`` holds one list per field of the workspace, so that a filter can read one field
    of every client without building a tuple or an object per client. The stat data are stored
    apart and decoded only when git cannot vouch for the files.
    """

    def __init__(self, taken: int = 0, names: list[str] | None = None,
                 stats: list[tuple | None] | None = None, hashes: list[str] | None = None,
                 columns: list[list] | None = None, problem_keys: dict[str, tuple] | None = None,
                 width: int = 0, loader: Callable[[str], bytes | None] | None = None):
        self.taken = taken
        # The git index checksum under which git reported every file clean and equal to its
        # hash, and the folder's listing then (see ``folder_stamp``). With both unchanged and no
        # tracked file differing from the index, every file is unchanged. "" when not proved.
        self.index_checksum = ""
        self.listing = ""
        self.names = names if names is not None else []
        # A loaded snapshot reads its stored "stats" and "hashes" columns through ``loader``.
        self._loader = loader
        self._stats = stats if stats is not None or loader else []
        self._hashes = hashes if hashes is not None or loader else []
        self.columns = columns if columns is not None else [[] for _index in range(width)]
        # File name → the fields that did not convert; files without problems are left out.
        self.problem_keys = problem_keys if problem_keys is not None else {}
        self._positions: dict[str, int] | None = None
        self._shared: dict = {}

    @property
    def stats(self) -> list[tuple | None]:
        """The stat data of each file; None where unknown, which makes a file be hashed."""
        if self._stats is None:
            self._stats = self._load("stats", None)
        return self._stats

    @property
    def hashes(self) -> list[str]:
        """The content hash of each file; "" where unknown, which makes a file be parsed."""
        if self._hashes is None:
            self._hashes = self._load("hashes", "")
        return self._hashes

    def _load(self, column: str, unknown: object) -> list:
        # The stat data and hashes are stored apart from the names, because a load that git
        # vouches for needs neither for the clients it does not build.
        try:
            taken, values = marshal.loads((self._loader and self._loader(column)) or b"")
        except (ValueError, EOFError, TypeError):
            taken, values = None, None
        if taken == self.taken and isinstance(values, list) and len(values) == len(self.names):
            return values
        return [unknown] * len(self.names)

    def position(self, name: str) -> int | None:
        """Return where ``name`` is in the lists, or None."""
        if self._positions is None:
            self._positions = {name: index for index, name in enumerate(self.names)}
        return self._positions.get(name)

    def add(self, name: str, stat_data: tuple | None, digest: str, summary: tuple,
            problem_keys: tuple) -> None:
        self.names.append(name)
        self.stats.append(stat_data)
        self.hashes.append(digest)
        # Equal values become one object, which marshal stores once (a load keeps entries
        # shared), so that 100 000 clients share one "anna" or one date instead of copies.
        # Only str, int, None and FULL occur, and no str equals an int.
        shared = self._shared
        for column, value in zip(self.columns, summary):
            column.append(shared.setdefault(value, value))
        if problem_keys:
            self.problem_keys[name] = problem_keys

    def subset(self, taken: int, positions: list[int], stats: list[tuple | None]) -> Snapshot:
        """Return a snapshot taken at ``taken`` of the entries at ``positions``, in that order.

        ``stats`` gives the stat data of each kept entry.
        """
        names, hashes = self.names, self.hashes
        problem_keys = {names[position]: self.problem_keys[names[position]]
                        for position in positions if names[position] in self.problem_keys}
        return Snapshot(taken, [names[position] for position in positions], stats,
                        [hashes[position] for position in positions],
                        [[column[position] for position in positions] for column in self.columns],
                        problem_keys)

    def sorted(self) -> Snapshot:
        """Return the same entries in file name order."""
        order = sorted(range(len(self.names)), key=self.names.__getitem__)
        return Snapshot(self.taken, *(
            [column[position] for position in order]
            for column in (self.names, self.stats, self.hashes)),
            [[column[position] for position in order] for column in self.columns],
            self.problem_keys)

    def dump(self, signature_text: str) -> tuple[bytes, bytes, bytes]:
        """Return the stored form: the entries, the hashes and the stat data."""
        entries = marshal.dumps((signature_text, self.taken, self.names, self.columns,
                                 self.problem_keys))
        return (entries, marshal.dumps((self.taken, self.hashes)),
                marshal.dumps((self.taken, self.stats)))

    @classmethod
    def load(cls, blob: bytes, signature_text: str, width: int,
             loader: Callable[[str], bytes | None] | None = None) -> Snapshot | None:
        """Return the snapshot stored in ``blob``; None when it is damaged or from other code.

        ``loader`` returns the stored ``hashes`` or ``stats`` column when they are first used.
        """
        try:
            stored, *fields = marshal.loads(blob)
            taken, names, columns, problem_keys = fields
        except (ValueError, EOFError, TypeError):
            return None
        if stored != signature_text or len(columns) != width \
                or any(len(column) != len(names) for column in columns) \
                or not isinstance(problem_keys, dict):
            return None
        return cls(taken, names, None, None, columns, problem_keys, loader=loader)


def index_checksum(root: Path) -> str:
    """Return the checksum at the end of git's index file, or "" when it cannot be used.

    The checksum changes with every change of the index. Git 2.40 and later write zeros there
    when ``index.skipHash`` is set, and a work tree whose ``.git`` is a file keeps its index
    elsewhere; both give "".
    """
    try:
        with open(root / ".git" / "index", "rb") as stream:
            stream.seek(-20, os.SEEK_END)
            tail = stream.read(20)
    except OSError:
        return ""
    return tail.hex() if len(tail) == 20 and any(tail) else ""


def listing_digest(names: list[str]) -> str:
    """Return a digest of a folder listing as ``os.listdir`` returned it, in its order."""
    import hashlib

    return hashlib.sha1("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()


def folder_stamp(status: os.stat_result) -> str:
    """Return a folder's inode, mtime and ctime, which change when a file is added or removed.

    Like a file's stat data, a stamp proves an unchanged listing only when it was taken at
    least ``cache.RACY_NANOSECONDS`` after the folder last changed.
    """
    return f"{status.st_ino}:{status.st_mtime_ns}:{status.st_ctime_ns}"


# Quick reports started by GitReport.prefetch and not yet taken: (root, folder) → (index
# checksum, report).
_prefetched: dict[tuple[str, str], tuple[str, GitReport]] = {}


def _discard_prefetched() -> None:
    while _prefetched:
        _key, (_checksum, report) = _prefetched.popitem()
        report.discard()


atexit.register(_discard_prefetched)


class GitReport:
    """git's report on one folder's files, started early so that it runs beside the cache read.

    The full report (``git ls-files -s``) gives each tracked file's blob id and whether the
    file differs from the index. The quick report (``git ls-files -m``) names only the files
    that differ, which is all a load needs while the index is the one a snapshot was proved
    under. In both, git compares the stat data and, where they differ or the file changed
    within the index's timestamp (the "racy git" rule), the content. ``git diff-files`` would
    be no faster, and it names every file whose stat data differ, as in a copied work tree.
    """

    def __init__(self, root: Path, folder: Path, quick: bool):
        self.prefix = f"{folder.relative_to(root).as_posix()}/"
        self.quick = quick
        arguments = ["ls-files", "-m", "-z"] if quick else \
            ["ls-files", "-v", "-s", "-c", "-m", "-z"]
        environment = gitops._environment()
        # A read must never rewrite the index, which another pandai may be committing.
        environment["GIT_OPTIONAL_LOCKS"] = "0"
        self.process = subprocess.Popen(
            ["git", "-C", str(root), *arguments, "--", self.prefix], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=environment)
        self.output = b""
        self.all_clean = False
        self._clean: dict[str, str] | None = None

    @classmethod
    def start(cls, root: Path, folder: Path, quick: bool = False,
              checksum: str = "") -> GitReport | None:
        """Start the report; None when git is missing. ``finish`` is False outside a work tree.

        A quick report that :meth:`prefetch` started under the index ``checksum`` is taken
        instead of starting another one.
        """
        early = _prefetched.pop((str(root), str(folder)), None)
        if early is not None:
            early_checksum, report = early
            if quick and checksum and early_checksum == checksum:
                return report
            report.discard()
        if shutil.which("git") is None or not folder.is_relative_to(root):
            return None
        try:
            return cls(root, folder, quick)
        except OSError as error:
            log.warning("cannot run git for the cache: %s", error)
            return None

    @classmethod
    def prefetch(cls, root: Path, folder: Path) -> None:
        """Start the quick report of ``folder`` now, for a load later in this process.

        The command line calls this before it loads Typer and the commands, so that git runs
        meanwhile. The index checksum is read first: a load takes the report only under that
        same index, because git may have read a newer one.
        """
        checksum = index_checksum(root)
        report = cls.start(root, folder, quick=True) if checksum else None
        if report is not None:
            _prefetched[(str(root), str(folder))] = (checksum, report)

    def discard(self) -> None:
        """Stop the report and wait for git, when its output is no longer wanted."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()

    def finish(self) -> bool:
        """Read the report; return False when git failed."""
        self.output, _errors = self.process.communicate()
        return self.process.returncode == 0

    def nothing_changed(self) -> bool:
        """Return True when a finished quick report names no file."""
        return self.quick and self.process.returncode == 0 and not self.output

    def clean_files(self) -> dict[str, str]:
        """Return, from a full report, name → blob id of the clean files the user left unmarked.

        A modified file is listed twice, as ``H`` and as ``C``. Entries marked
        assume-unchanged (lower case) or skip-worktree (``S``), conflicts (stage not 0) and
        files in subfolders are left out, so that only their stat data can prove them
        unchanged. ``all_clean`` is False when the report had any such entry.
        """
        if self._clean is not None:
            return self._clean
        clean: dict[str, str] = {}
        changed: set[str] = set()
        skip = len(self.prefix)
        # Each entry is "TAG MODE BLOB_ID STAGE\tPATH", the mode always six octal digits.
        for entry in os.fsdecode(self.output).split("\0"):
            if not entry:
                continue
            meta, _tab, path = entry.partition("\t")
            name = path[skip:]
            if meta[0] == "H" and meta[-2:] == " 0" and "/" not in name:
                clean[name] = meta[9:-2]
            else:
                changed.add(name)
        for name in changed:
            clean.pop(name, None)
        self.all_clean = not changed
        self._clean = clean
        return clean
